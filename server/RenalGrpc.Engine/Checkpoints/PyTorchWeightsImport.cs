using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Checkpoints;

/// <summary>
/// Loads a PyTorch state_dict (torch.save(model.state_dict(), path), the zip format PyTorch has
/// written since 1.6) into a TorchSharp module with the same field names, strictly: every key
/// must be present on both sides with the same shape. Lets weights trained in Python be served.
/// </summary>
public static class PyTorchWeightsImport
{
    public static T LoadStateDict<T>(T module, string path) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!File.Exists(path)) throw new ModelCheckpointException(path, "PyTorch weights file does not exist");
        try
        {
            module.load_py(path, strict: true);
        }
        catch (Exception e)
        {
            throw new ModelCheckpointException(path,
                $"could not be loaded as a PyTorch state_dict for {module.GetName()} ({e.GetType().Name}: {e.Message}); it must be a zip-format torch.save of a matching model's state_dict()", e);
        }
        return module;
    }
}
