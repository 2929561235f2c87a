using RenalGrpc.Serving;

namespace RenalGrpc.Server.Analysis;

public enum ModelState
{
    Loading,
    Loaded,
    Failed,
}

/// <summary>Where the model stands; Reason is what health, GetServerInfo and UNAVAILABLE say.</summary>
public sealed record ModelStatus(ModelState State, string Path, string Reason, ModelIdentity? Identity)
{
    public bool IsLoaded => State == ModelState.Loaded;
}
