using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Phantom;

/// <summary>Writes a whole synthetic dataset in the DATASET.md folder layout.</summary>
public static class DatasetWriter
{
    /// <summary>Generates and writes every case; reports each finished case id. Returns the case specs.</summary>
    public static IReadOnlyList<CaseSpec> Write(string outputFolder, PhantomOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        Directory.CreateDirectory(outputFolder);
        File.WriteAllBytes(Path.Combine(outputFolder, "dataset.json"), CaseJson.Dataset(options));
        var specs = new List<CaseSpec>();
        foreach (var assignment in ClassBalance.Assign(options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var spec = CaseDrawer.Draw(assignment, options);
            WriteCase(outputFolder, spec);
            specs.Add(spec);
            progress?.Invoke(spec.CaseId);
        }
        return specs;
    }

    public static void WriteCase(string outputFolder, CaseSpec spec)
    {
        string folder = Path.Combine(outputFolder, spec.CaseId);
        Directory.CreateDirectory(folder);
        foreach (var scanSpec in spec.Scans)
        {
            // One phase at a time keeps memory to a few times one phase's output.
            var scan = PhaseRenderer.Render(spec, scanSpec);
            string phase = scanSpec.Phase.ToString();
            Parallel.Invoke(
                () => NiftiFile.Write(scan.Image, Path.Combine(folder, $"imaging_{phase}.nii.gz")),
                () => NiftiFile.Write(scan.Segmentation, Path.Combine(folder, $"segmentation_{phase}.nii.gz")));
        }
        File.WriteAllBytes(Path.Combine(folder, "case.json"), CaseJson.Case(spec));
    }
}
