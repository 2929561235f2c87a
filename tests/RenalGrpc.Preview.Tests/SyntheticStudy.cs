using RenalGrpc.Cli;
using RenalGrpc.Imaging;
using RenalGrpc.Imaging.Nifti;

namespace RenalGrpc.Preview.Tests;

/// <summary>
/// A small abdomen defined in LPS millimetres and sampled on any grid, so phases on different grids
/// show the same anatomy: air outside a body box, a kidney ellipsoid (label 1), a tumour sphere
/// (label 2, centre <see cref="TumourCentre"/>), a small cyst (label 3) and a bone block at 300 HU.
/// </summary>
internal static class SyntheticStudy
{
    public static readonly Vec3 TumourCentre = new(36, 24, 36);
    public const double TumourRadius = 7;
    public static readonly Vec3 CystCentre = new(20, 24, 24);
    public const short AirHu = -1000, BodyHu = 40, KidneyHu = 150, TumourHu = 60, CystHu = 10, BoneHu = 300;

    /// <summary>1 x 1 x 3 mm, 64 x 48 x 24: the tumour centre is voxel (36, 24, 12).</summary>
    public static Geometry GridN => Geometry.Axial(new GridSize(64, 48, 24), new Vec3(1, 1, 3), new Vec3(0, 0, 0));

    /// <summary>0.8 x 1.6 x 2 mm, 80 x 30 x 36, starting 4 mm lower: the tumour centre is at k = 20.</summary>
    public static Geometry GridA => Geometry.Axial(new GridSize(80, 30, 36), new Vec3(0.8, 1.6, 2), new Vec3(0, 0, -4));

    public static (short Hu, byte Label) At(Vec3 p)
    {
        bool inBody = p.X is >= 4 and <= 60 && p.Y is >= 4 and <= 44;
        if (!inBody) return (AirHu, 0);
        if ((p - TumourCentre).Length <= TumourRadius) return (TumourHu, 2);
        if ((p - CystCentre).Length <= 3) return (CystHu, 3);
        var k = new Vec3((p.X - 28) / 12, (p.Y - 24) / 9, (p.Z - 36) / 15);
        if (k.Length <= 1) return (KidneyHu, 1);
        if (p.X is >= 48 and <= 56 && p.Y is >= 8 and <= 16) return (BoneHu, 0);
        return (BodyHu, 0);
    }

    public static PhaseView Phase(string name, Geometry geometry, bool withLabels)
    {
        var (image, labels) = Sample(geometry);
        return new PhaseView(name, image, withLabels ? labels : null);
    }

    public static (Volume Image, Volume Labels) Sample(Geometry geometry)
    {
        var size = geometry.Size;
        var hu = new short[size.VoxelCount];
        var labels = new byte[size.VoxelCount];
        int n = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
                for (int i = 0; i < size.I; i++, n++)
                    (hu[n], labels[n]) = At(geometry.IndexToPhysical(i, j, k));
        return (Volume.FromVoxels<short>(geometry, hu), Volume.FromVoxels<byte>(geometry, labels));
    }

    /// <summary>Writes a dataset case folder (DATASET.md layout) with phases N and A, both labelled.</summary>
    public static string WriteCase(string parent, string caseId = "case_00007", string subtype = "ccRCC")
    {
        var folder = Path.Combine(parent, caseId);
        Directory.CreateDirectory(folder);
        foreach (var (name, geometry) in new[] { ("N", GridN), ("A", GridA) })
        {
            var (image, labels) = Sample(geometry);
            NiftiFile.Write(image, Path.Combine(folder, $"imaging_{name}.nii.gz"));
            NiftiFile.Write(labels, Path.Combine(folder, $"segmentation_{name}.nii.gz"));
        }
        File.WriteAllText(Path.Combine(folder, "case.json"),
            $$"""{"case_id": "{{caseId}}", "subtype": "{{subtype}}", "malignant": true, "phases": ["N", "A"], "lesions": []}""");
        return folder;
    }
}
