namespace RenalGrpc.Training;

/// <summary>
/// The output folder's resumable state (train-state) belongs to another run or cannot be read:
/// the CLI reports it as bad input (exit 2) instead of crashing, and nothing in the folder changes.
/// </summary>
public sealed class TrainingStateException(string message, Exception? inner = null) : Exception(message, inner);
