using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using RenalGrpc.Engine.Model;

namespace RenalGrpc.Engine.Checkpoints;

/// <summary>The networks of a checkpoint with their metadata. Disposing it disposes the networks.</summary>
public sealed class LoadedModel(CheckpointMetadata metadata, SegmentationUNet segmentation, SubtypeClassifier classifier,
    SegmentationUNet? refinement = null, IReadOnlyList<SubtypeClassifier>? additionalClassifiers = null) : IDisposable
{
    public CheckpointMetadata Metadata { get; } = metadata;
    public SegmentationUNet Segmentation { get; } = segmentation;

    /// <summary>The first (or only) classifier member, classifier.bin.</summary>
    public SubtypeClassifier Classifier { get; } = classifier;

    /// <summary>Classifier members 2..n (<see cref="CheckpointMetadata.ClassifierMembers"/>); empty for a single classifier.</summary>
    public IReadOnlyList<SubtypeClassifier> AdditionalClassifiers { get; } = additionalClassifiers ?? Array.Empty<SubtypeClassifier>();

    /// <summary>Every classifier member, <see cref="Classifier"/> first: stage 2 averages their softmax.</summary>
    public IReadOnlyList<SubtypeClassifier> Classifiers => [Classifier, .. AdditionalClassifiers];

    /// <summary>The kidney-ROI network when <see cref="CheckpointMetadata.Refinement"/> is set.</summary>
    public SegmentationUNet? Refinement { get; } = refinement;

    public void Dispose()
    {
        Segmentation.Dispose();
        Classifier.Dispose();
        foreach (var member in AdditionalClassifiers) member.Dispose();
        Refinement?.Dispose();
    }
}

/// <summary>
/// A checkpoint is a folder: checkpoint.json (the <see cref="CheckpointMetadata"/>, written last,
/// so a half-written folder is refused) plus segmentation.bin, classifier.bin (and classifier-2.bin ..
/// classifier-n.bin for an ensemble of n classifiers) and, when the metadata describes a kidney-ROI
/// stage, refinement.bin, in TorchSharp's module.save format. Loading is strict: the metadata must be complete, every weights file must
/// match its recorded SHA-256, and every tensor must fit the architecture the metadata describes.
/// </summary>
public static class ModelCheckpoint
{
    public const string MetadataFile = "checkpoint.json";
    public const string SegmentationFile = "segmentation.bin";
    public const string ClassifierFile = "classifier.bin";
    public const string RefinementFile = "refinement.bin";

    /// <summary>Weights file of classifier member <paramref name="member"/> (0-based): classifier.bin, classifier-2.bin, ...</summary>
    public static string ClassifierMemberFile(int member) => member == 0 ? ClassifierFile : $"classifier-{member + 1}.bin";

    private static string ClassifierMemberStage(int member) => member == 0 ? "classifier" : $"classifier-{member + 1}";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes the folder; the weights hashes are filled in from the written files.</summary>
    /// <param name="refinement">The kidney-ROI network; required exactly when metadata.Refinement is set.</param>
    /// <param name="additionalClassifiers">Classifier members 2..n, of the first classifier's shape; metadata.ClassifierMembers is set from them.</param>
    public static CheckpointMetadata Save(string folder, CheckpointMetadata metadata, SegmentationUNet segmentation, SubtypeClassifier classifier,
        SegmentationUNet? refinement = null, IReadOnlyList<SubtypeClassifier>? additionalClassifiers = null)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(segmentation);
        ArgumentNullException.ThrowIfNull(classifier);
        Directory.CreateDirectory(folder);
        var metadataPath = Path.Combine(folder, MetadataFile);
        if (File.Exists(metadataPath)) File.Delete(metadataPath); // never leave old metadata beside new weights

        if ((metadata.Refinement is null) != (refinement is null))
            throw new ModelCheckpointException(metadataPath, "the ROI network and its metadata (Refinement) must be saved together");
        additionalClassifiers ??= Array.Empty<SubtypeClassifier>();
        if (additionalClassifiers.Any(c => !c.Options.SameShape(classifier.Options)))
            throw new ModelCheckpointException(metadataPath, "every classifier member must have the first classifier's shape (channels, classes, widths, blocks)");
        var complete = metadata with
        {
            Segmentation = segmentation.Options,
            Classifier = classifier.Options,
            ClassifierMembers = 1 + additionalClassifiers.Count,
            FormatVersion = additionalClassifiers.Count == 0 ? CheckpointMetadata.SingleClassifierFormatVersion : CheckpointMetadata.CurrentFormatVersion,
            Refinement = refinement is null ? null : metadata.Refinement! with { Network = refinement.Options },
        };
        var problem = complete.Problem();
        if (problem is not null) throw new ModelCheckpointException(metadataPath, $"refusing to save inconsistent metadata: {problem}");

        segmentation.save(Path.Combine(folder, SegmentationFile));
        classifier.save(Path.Combine(folder, ClassifierFile));
        var weights = new List<WeightsFile> { Describe(folder, "segmentation", SegmentationFile), Describe(folder, "classifier", ClassifierFile) };
        for (int member = 1; member <= additionalClassifiers.Count; member++)
        {
            additionalClassifiers[member - 1].save(Path.Combine(folder, ClassifierMemberFile(member)));
            weights.Add(Describe(folder, ClassifierMemberStage(member), ClassifierMemberFile(member)));
        }
        // Members of an earlier, larger ensemble must not sit beside metadata that does not list them.
        for (int member = additionalClassifiers.Count + 1; member < CheckpointMetadata.MaxClassifierMembers; member++)
        {
            var stale = Path.Combine(folder, ClassifierMemberFile(member));
            if (File.Exists(stale)) File.Delete(stale);
        }
        var refinementPath = Path.Combine(folder, RefinementFile);
        if (refinement is not null)
        {
            refinement.save(refinementPath);
            weights.Add(Describe(folder, "refinement", RefinementFile));
        }
        else if (File.Exists(refinementPath))
        {
            File.Delete(refinementPath); // a stale ROI network must not sit beside metadata that does not describe it
        }
        complete = complete with { Weights = weights };
        File.WriteAllText(metadataPath, JsonSerializer.Serialize(complete, Json));
        return complete;
    }

    /// <summary>Reads and checks the metadata only (no weights are loaded).</summary>
    public static CheckpointMetadata ReadMetadata(string folder)
    {
        var metadataPath = Path.Combine(folder, MetadataFile);
        if (!Directory.Exists(folder)) throw new ModelCheckpointException(folder, "checkpoint folder does not exist");
        if (!File.Exists(metadataPath)) throw new ModelCheckpointException(metadataPath, $"missing: {folder} is not a checkpoint folder (or was not completely written)");
        CheckpointMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllText(metadataPath), Json);
        }
        catch (JsonException e)
        {
            throw new ModelCheckpointException(metadataPath, $"not valid checkpoint JSON ({e.Message})", e);
        }
        if (metadata is null) throw new ModelCheckpointException(metadataPath, "holds no metadata");
        var problem = metadata.Problem();
        if (problem is not null) throw new ModelCheckpointException(metadataPath, problem);
        return metadata;
    }

    /// <summary>Loads every network strictly, in eval mode.</summary>
    public static LoadedModel Load(string folder)
    {
        var metadata = ReadMetadata(folder);
        var segmentationPath = VerifiedWeights(folder, metadata, "segmentation");
        var classifierPaths = Enumerable.Range(0, metadata.ClassifierMembers)
            .Select(member => VerifiedWeights(folder, metadata, ClassifierMemberStage(member))).ToArray();
        var refinementPath = metadata.Refinement is null ? null : VerifiedWeights(folder, metadata, "refinement");
        var segmentation = new SegmentationUNet(metadata.Segmentation);
        var classifiers = classifierPaths.Select(_ => new SubtypeClassifier(metadata.Classifier)).ToArray();
        var refinement = metadata.Refinement is null ? null : new SegmentationUNet(metadata.Refinement.Network);
        try
        {
            LoadStrict(segmentation, segmentationPath);
            for (int member = 0; member < classifiers.Length; member++) LoadStrict(classifiers[member], classifierPaths[member]);
            if (refinement is not null) LoadStrict(refinement, refinementPath!);
        }
        catch
        {
            segmentation.Dispose();
            foreach (var classifier in classifiers) classifier.Dispose();
            refinement?.Dispose();
            throw;
        }
        segmentation.eval();
        foreach (var classifier in classifiers) classifier.eval();
        refinement?.eval();
        return new LoadedModel(metadata, segmentation, classifiers[0], refinement, classifiers[1..]);
    }

    /// <summary>Lower-case hex SHA-256 of a file.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static WeightsFile Describe(string folder, string stage, string file)
    {
        var path = Path.Combine(folder, file);
        return new WeightsFile(stage, file, Sha256Of(path), new FileInfo(path).Length);
    }

    private static string VerifiedWeights(string folder, CheckpointMetadata metadata, string stage)
    {
        var entry = metadata.Weights.SingleOrDefault(w => w.Stage == stage)
            ?? throw new ModelCheckpointException(Path.Combine(folder, MetadataFile), $"lists no weights file for the {stage} stage");
        if (entry.File.Contains('/') || entry.File.Contains('\\') || entry.File.Contains(".."))
            throw new ModelCheckpointException(Path.Combine(folder, MetadataFile), $"weights file name '{entry.File}' must be a plain file name inside the folder");
        var path = Path.Combine(folder, entry.File);
        if (!File.Exists(path)) throw new ModelCheckpointException(path, $"{stage} weights file is missing");
        var actual = Sha256Of(path);
        if (!string.Equals(actual, entry.Sha256, StringComparison.OrdinalIgnoreCase))
            throw new ModelCheckpointException(path, $"SHA-256 {actual} does not match the recorded {entry.Sha256}: the file is corrupt or was replaced");
        return path;
    }

    private static void LoadStrict(TorchSharp.torch.nn.Module module, string path)
    {
        try
        {
            module.load(path, strict: true);
        }
        catch (Exception e) when (e is not ModelCheckpointException)
        {
            throw new ModelCheckpointException(path, $"weights do not fit the {module.GetName()} architecture in the metadata ({e.Message})", e);
        }
    }
}
