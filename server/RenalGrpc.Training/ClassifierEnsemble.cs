using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Model;

namespace RenalGrpc.Training;

/// <summary>What <see cref="ClassifierEnsemble.Assemble"/> is asked to do.</summary>
public sealed record ClassifierEnsembleRequest
{
    /// <summary>Checkpoint whose stage 1, kidney-ROI stage, crop settings and first classifier are kept.</summary>
    public required string BaseFolder { get; init; }

    /// <summary>Checkpoints whose classifiers (every member of each) join the base's.</summary>
    public required IReadOnlyList<string> MemberFolders { get; init; }

    /// <summary>Where the ensemble is written; may be <see cref="BaseFolder"/> itself.</summary>
    public required string OutputFolder { get; init; }

    public string? ModelVersion { get; init; }

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(BaseFolder) || string.IsNullOrWhiteSpace(OutputFolder)) throw new ArgumentException("the base and output checkpoint folders must be given");
        if (MemberFolders is null || MemberFolders.Count == 0) throw new ArgumentException("give at least one checkpoint whose classifier joins the base's");
    }
}

/// <summary>
/// Puts classifiers trained apart (other seeds, so other splits and draws) beside a checkpoint's own,
/// so stage 2 averages their softmax, as nnU-Net ensembles the networks of its folds. A member must
/// read its crops exactly as the base cuts them: same classifier shape, crop settings and intensity
/// normalisation, else it would be scored on inputs unlike those it was trained on.
/// </summary>
public static class ClassifierEnsemble
{
    public static CheckpointMetadata Assemble(ClassifierEnsembleRequest request, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        request.Validate();
        using var baseModel = ModelCheckpoint.Load(request.BaseFolder);
        var loaded = new List<LoadedModel>();
        try
        {
            foreach (var folder in request.MemberFolders)
            {
                var member = ModelCheckpoint.Load(folder);
                loaded.Add(member);
                var problem = Mismatch(baseModel.Metadata, member.Metadata);
                if (problem is not null) throw new ArgumentException($"{folder} cannot join {request.BaseFolder}: {problem}");
            }
            var additional = baseModel.AdditionalClassifiers.Concat(loaded.SelectMany(m => m.Classifiers)).ToArray();
            if (1 + additional.Length > CheckpointMetadata.MaxClassifierMembers)
                throw new ArgumentException($"{1 + additional.Length} classifiers: at most {CheckpointMetadata.MaxClassifierMembers} may vote");
            var seeds = new[] { baseModel.Metadata }.Concat(loaded.Select(m => m.Metadata))
                .Select(m => (m.ClassifierTraining ?? m.Training).Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var baseDescription = baseModel.Metadata.ClassifierTraining ?? baseModel.Metadata.Training;
            var metadata = baseModel.Metadata with
            {
                Version = request.ModelVersion ?? baseModel.Metadata.Version,
                CreatedUtc = DateTimeOffset.UtcNow,
                ClassifierTraining = baseDescription with
                {
                    Notes = $"{baseDescription.Notes} | ensemble of {1 + additional.Length} classifiers (softmax averaged), " +
                            $"assembled by `renal ensemble`; training seeds {string.Join(", ", seeds)}",
                },
            };
            var saved = ModelCheckpoint.Save(request.OutputFolder, metadata, baseModel.Segmentation, baseModel.Classifier, baseModel.Refinement, additional);
            log($"{saved.ClassifierMembers} classifiers in {request.OutputFolder}");
            return saved;
        }
        finally
        {
            foreach (var member in loaded) member.Dispose();
        }
    }

    /// <summary>Why a checkpoint's classifier cannot vote with the base's; null when it can.</summary>
    public static string? Mismatch(CheckpointMetadata baseMetadata, CheckpointMetadata member)
    {
        ArgumentNullException.ThrowIfNull(baseMetadata);
        ArgumentNullException.ThrowIfNull(member);
        if (!baseMetadata.Classifier.SameShape(member.Classifier)) return "its classifier has another shape";
        if (!baseMetadata.Subtypes.SequenceEqual(member.Subtypes)) return "its subtypes differ";
        if (baseMetadata.ClassifierCrop != member.ClassifierCrop) return "its crops are cut differently (classifierCrop in checkpoint.json)";
        if (baseMetadata.Normalization != member.Normalization) return "its intensity normalisation differs";
        if (!baseMetadata.SpacingMm.SequenceEqual(member.SpacingMm)) return "its model spacing differs";
        return null;
    }
}
