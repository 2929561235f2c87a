namespace RenalGrpc.Engine.Checkpoints;

/// <summary>A model checkpoint (or imported weights file) that cannot be used; names the file and what is wrong.</summary>
public sealed class ModelCheckpointException : Exception
{
    public ModelCheckpointException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        Path = path;
        Problem = problem;
    }

    public string Path { get; }
    public string Problem { get; }
}
