using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RenalGrpc.Engine.Checkpoints;

/// <summary>
/// Loads a PyTorch state_dict (torch.save(model.state_dict(), path), the zip format PyTorch has
/// written since 1.6) into a TorchSharp module with the same field names, strictly: every key
/// must be present on both sides with the same shape. Lets weights trained in Python be served.
/// PyBridge's load_py(strict) accepted a state_dict whose tensors had other shapes in testing, so
/// the file is unpickled with PyBridge and the key set and every shape are checked here before
/// anything is copied: on an exception the module is unchanged.
/// </summary>
public static class PyTorchWeightsImport
{
    public static T LoadStateDict<T>(T module, string path) where T : nn.Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!File.Exists(path)) throw new ModelCheckpointException(path, "PyTorch weights file does not exist");
        Dictionary<string, Tensor> loaded;
        try
        {
            using var stream = File.OpenRead(path);
            loaded = new Dictionary<string, Tensor>();
            foreach (System.Collections.DictionaryEntry entry in (System.Collections.IDictionary)PyTorchUnpickler.UnpickleStateDict(stream))
            {
                loaded[(string)entry.Key] = (Tensor)entry.Value!;
            }
        }
        catch (Exception e)
        {
            throw new ModelCheckpointException(path,
                $"is not a PyTorch zip state_dict ({e.GetType().Name}: {e.Message}); save it with torch.save(model.state_dict(), path)", e);
        }
        try
        {
            CopyStrict(module, loaded, path);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
        return module;
    }

    /// <summary>Same key set and shapes, or nothing is copied.</summary>
    private static void CopyStrict(nn.Module module, Dictionary<string, Tensor> loaded, string path)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
        var unexpected = loaded.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            throw new ModelCheckpointException(path,
                $"state_dict keys do not match {module.GetName()}: missing [{string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}], " +
                $"unexpected [{string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", ..." : "")}]");
        }
        foreach (var (key, tensor) in target)
        {
            if (!loaded[key].shape.SequenceEqual(tensor.shape))
            {
                throw new ModelCheckpointException(path,
                    $"tensor '{key}' has shape [{string.Join(", ", loaded[key].shape)}] in the file but [{string.Join(", ", tensor.shape)}] in {module.GetName()}: the weights belong to another architecture");
            }
        }
        using var noGrad = no_grad();
        foreach (var (key, tensor) in target) tensor.copy_(loaded[key]);
    }
}
