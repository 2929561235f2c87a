using RenalGrpc.Engine.Checkpoints;
using RenalGrpc.Engine.Classification;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Training.Classification;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Tests;

/// <summary>
/// The classifier's training crops from files on disk: a P phase, an N phase that is the same
/// patient moved by whole voxels (as a breath hold moves it), and an A phase whose truth has no tumor.
/// </summary>
public sealed class LesionCropSetTests : IDisposable
{
    private static readonly Geometry Grid = new(new GridSize(40, 40, 12), new Vec3(2, 2, 4), new Vec3(-30, 10, 50), Matrix3.Identity);
    private static readonly (int I, int J, int K) Motion = (3, -2, 1);
    private static readonly CheckpointMetadata Metadata = new() { ClassifierCrop = new CropOptions { Size = 16, MarginMm = 5 } };
    private readonly string folder = Directory.CreateTempSubdirectory("renal-crops-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    /// <summary>Patient content at index (i, j, k): a ramp everywhere, plus 150 HU in the lesion; label 2 in the lesion.</summary>
    private static (short Hu, byte Label) Patient(int i, int j, int k)
    {
        // The lesion spans slices 4..7 and is widest on slice 5, so that slice is the largest.
        bool lesion = k is >= 4 and <= 7 && j is >= 12 and <= 18 && (k == 5 ? i is >= 14 and <= 23 : i is >= 16 and <= 21);
        return ((short)(30 + 2 * i + 3 * j + 7 * k + (lesion ? 150 : 0)), (byte)(lesion ? KidneyLabels.Tumor : KidneyLabels.Kidney));
    }

    /// <summary>Writes one phase: the patient seen at index + shift; no lesion label when withTumor is false.</summary>
    private CasePhaseFiles WritePhase(string phase, (int I, int J, int K) shift, bool withTumor = true)
    {
        var hu = new short[Grid.VoxelCount];
        var labels = new byte[Grid.VoxelCount];
        for (int k = 0; k < Grid.Size.K; k++)
            for (int j = 0; j < Grid.Size.J; j++)
                for (int i = 0; i < Grid.Size.I; i++)
                {
                    var (value, label) = Patient(i - shift.I, j - shift.J, k - shift.K);
                    long at = Grid.Size.Index(i, j, k);
                    hu[at] = value;
                    labels[at] = withTumor ? label : (byte)KidneyLabels.Kidney;
                }
        var image = Path.Combine(folder, $"imaging_{phase}.nii.gz");
        var truth = Path.Combine(folder, $"segmentation_{phase}.nii.gz");
        NiftiFile.Write(Volume.FromVoxels<short>(Grid, hu), image);
        NiftiFile.Write(Volume.FromVoxels<byte>(Grid, labels), truth);
        return new CasePhaseFiles(phase, image, truth);
    }

    private TrainingCase Case() => new("case_00000", folder, "pRCC",
        [WritePhase("N", Motion), WritePhase("A", (0, 0, 0), withTumor: false), WritePhase("P", (0, 0, 0))]);

    [Fact]
    public void Reference_crops_move_every_phase_onto_the_reference_lesion_slice()
    {
        var crops = Assert.Single(LesionCropSet.Build([Case()], Metadata, ClassifierCropSource.Reference));

        Assert.Equal(RenalSubtypes.Names.ToList().IndexOf("pRCC"), crops.Subtype);
        // A's truth has no tumor: nothing tells where its lesion is, so it is left out.
        Assert.Equal(new[] { "N", "P" }, crops.Crops.Keys.Order());
        var p = crops.Crops["P"];
        var n = crops.Crops["N"];
        // The box is P's: slice 5, lesion i 14..23 and j 12..18 plus ceil(5 mm / 2 mm) = 3 pixels.
        Assert.Equal(new SliceBox(5, 11, 9, 26, 21), p.Box);
        Assert.Equal(p.Box, n.Box);
        Assert.Equal(p.Mask, n.Mask);
        // N is the same patient moved by whole voxels: moved back, its pixels are P's.
        Assert.Equal(p.Image.Length, n.Image.Length);
        for (int at = 0; at < p.Image.Length; at++) Assert.Equal(p.Image[at], n.Image[at], 1e-4f);
    }

    [Fact]
    public void Per_phase_crops_cut_each_phase_where_its_own_truth_puts_the_lesion()
    {
        var crops = Assert.Single(LesionCropSet.Build([Case()], Metadata, ClassifierCropSource.PerPhase));

        Assert.Equal(new[] { "N", "P" }, crops.Crops.Keys.Order());
        var p = crops.Crops["P"].Box;
        Assert.Equal(new SliceBox(p.K + Motion.K, p.I0 + Motion.I, p.J0 + Motion.J, p.I1 + Motion.I, p.J1 + Motion.J), crops.Crops["N"].Box);
    }

    [Fact]
    public void Reference_phase_falls_back_to_A_when_P_has_no_truth()
    {
        var n = WritePhase("N", Motion);
        var a = WritePhase("A", (0, 0, 0));
        var p = WritePhase("P", (-2, 0, 0)) with { LabelsPath = null };
        var crops = Assert.Single(LesionCropSet.Build([new TrainingCase("case_00001", folder, "AML", [n, a, p])], Metadata, ClassifierCropSource.Reference));

        Assert.Equal(new[] { "A", "N" }, crops.Crops.Keys.Order());
        Assert.Equal(new SliceBox(5, 11, 9, 26, 21), crops.Crops["A"].Box);
        Assert.Equal(crops.Crops["A"].Box, crops.Crops["N"].Box);
    }

    [Fact]
    public void Centroid_is_the_mean_voxel_centre_in_lps()
    {
        var mask = new byte[Grid.VoxelCount];
        mask[Grid.Size.Index(1, 2, 3)] = 1;
        mask[Grid.Size.Index(3, 2, 5)] = 1;
        var centroid = LesionCropSet.Centroid(mask, Grid);
        Assert.Equal(-30 + 2 * 2.0, centroid.X, 9);
        Assert.Equal(10 + 2 * 2.0, centroid.Y, 9);
        Assert.Equal(50 + 4 * 4.0, centroid.Z, 9);
        Assert.Throws<ArgumentException>(() => LesionCropSet.Centroid(new byte[Grid.VoxelCount], Grid));
    }
}
