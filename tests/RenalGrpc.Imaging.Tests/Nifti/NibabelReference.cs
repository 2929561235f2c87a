using System.Text.Json;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Imaging.Tests.Nifti;

/// <summary>What nibabel makes of a NIfTI file: its RAS affine (4x4) and the first 3-D volume of get_fdata().</summary>
public sealed record NibabelImage(string Path, double[][] Affine, int[] Shape, double[] Data, double[][] QForm)
{
    /// <summary>The affine's linear part in LPS (first two rows negated), as our IndexToPhysicalMatrix.</summary>
    public double LpsLinear(int row, int col) => (row < 2 ? -1 : 1) * Affine[row][col];

    public Vec3 LpsOrigin => new(-Affine[0][3], -Affine[1][3], Affine[2][3]);
}

/// <summary>Runs nibabel (Debian's /usr/bin/python3) on many files in one process start.</summary>
public static class NibabelReference
{
    private const string LoadScript = """
        import json, sys, numpy as np, nibabel as nib
        out = sys.argv[1]
        for n, path in enumerate(sys.argv[2:]):
            # Nifti1/2Image explicitly: nib.load would turn some NIfTI-2 files into CIFTI objects.
            with open(path, 'rb') as f:
                head = f.read(4) if not path.endswith('.gz') else __import__('gzip').open(path).read(4)
            size = int.from_bytes(head, 'little')
            if size not in (348, 540): size = int.from_bytes(head, 'big')
            cls = nib.Nifti1Image if size == 348 else nib.Nifti2Image
            img = cls.from_filename(path)
            data = img.get_fdata()
            while data.ndim > 3: data = data[..., 0]
            while data.ndim < 3: data = data[..., np.newaxis]
            np.asarray(data, dtype='<f8').ravel(order='F').tofile(f'{out}/{n}.f64')
            json.dump({'affine': img.affine.tolist(), 'shape': list(data.shape),
                       'qform': img.header.get_qform().tolist()}, open(f'{out}/{n}.json', 'w'))
        """;

    public static IReadOnlyList<NibabelImage> Load(IReadOnlyList<string> paths)
    {
        var dir = Directory.CreateTempSubdirectory("nibabel-ref-");
        try
        {
            ReferencePython.Run(LoadScript, [dir.FullName, .. paths]);
            var result = new List<NibabelImage>();
            for (int n = 0; n < paths.Count; n++)
            {
                using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.FullName, $"{n}.json")));
                var affine = Matrix(json.RootElement.GetProperty("affine"));
                var qform = Matrix(json.RootElement.GetProperty("qform"));
                var shape = json.RootElement.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
                var bytes = File.ReadAllBytes(Path.Combine(dir.FullName, $"{n}.f64"));
                var data = new double[bytes.Length / 8];
                Buffer.BlockCopy(bytes, 0, data, 0, bytes.Length);
                result.Add(new NibabelImage(paths[n], affine, shape, data, qform));
            }
            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double[][] Matrix(JsonElement e) =>
        e.EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

    /// <summary>nibabel's own test images: installed with python3-nibabel, or fetched from the Debian package.</summary>
    public static string[] TestDataFiles()
    {
        const string installed = "/usr/lib/python3/dist-packages/nibabel/tests/data";
        var dir = Directory.Exists(installed)
            ? installed
            : Path.Combine(DebianTestData.Extract("python3-nibabel"), "usr/lib/python3/dist-packages/nibabel/tests/data");
        return Directory.GetFiles(dir, "*.nii").Concat(Directory.GetFiles(dir, "*.nii.gz")).Order(StringComparer.Ordinal).ToArray();
    }
}

/// <summary>Comparisons of our volumes with nibabel's answers.</summary>
public static class NibabelAssert
{
    public static void SameGeometry(NibabelImage expected, Geometry actual, double tolerance = 1e-4)
    {
        var m = actual.IndexToPhysicalMatrix;
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                Assert.True(Math.Abs(m[r, c] - expected.LpsLinear(r, c)) <= tolerance,
                    $"{expected.Path}: affine[{r},{c}] LPS {m[r, c]} vs nibabel {expected.LpsLinear(r, c)}");
        Assert.True((actual.Origin - expected.LpsOrigin).Length <= tolerance,
            $"{expected.Path}: origin {actual.Origin} vs nibabel {expected.LpsOrigin}");
        Assert.Equal(expected.Shape, new[] { actual.Size.I, actual.Size.J, actual.Size.K });
    }

    /// <summary>Integer data must match exactly; float data to float32 rounding.</summary>
    public static void SameData(NibabelImage expected, Volume actual)
    {
        var ours = actual.ToFloatArray();
        Assert.Equal(expected.Data.Length, ours.Length);
        for (int n = 0; n < ours.Length; n++)
        {
            double want = expected.Data[n];
            double tolerance = actual.VoxelType == VoxelType.Float32 ? Math.Abs(want) * 2e-7 + 1e-30 : 0;
            if (Math.Abs(ours[n] - want) > tolerance && !(double.IsNaN(want) && float.IsNaN(ours[n])))
                Assert.Fail($"{expected.Path}: voxel {n} is {ours[n]}, nibabel says {want}");
        }
    }
}
