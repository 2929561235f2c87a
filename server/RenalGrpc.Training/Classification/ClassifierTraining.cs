using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Classification;

public static class ClassifierTraining
{
    public static IReadOnlyDictionary<string, double> Run(SubtypeClassifier classifier, IReadOnlyList<TrainingCase> train,
        IReadOnlyList<TrainingCase> validation, CheckpointMetadata metadata, ClassifierTrainingOptions options,
        string stateFolder, Action<string> log, CancellationToken cancellationToken) =>
        throw new NotSupportedException("WIP");
}
