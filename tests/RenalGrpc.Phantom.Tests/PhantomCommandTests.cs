using System.Security.Cryptography;
using System.Text.Json;
using RenalGrpc.Cli;
using RenalGrpc.Imaging.Nifti;
using RenalGrpc.Imaging.Tests.Support;

namespace RenalGrpc.Phantom.Tests;

/// <summary>`renal phantom` end to end: layout, determinism, nibabel, argument errors.</summary>
public sealed class PhantomCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("renal-phantom-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<(int Code, string Stdout, string Stderr)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await CommandDispatcher.RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private async Task<string> Generate(string name, params string[] extra)
    {
        string folder = Path.Combine(_root, name);
        var (code, _, stderr) = await Run(["phantom", "--out", folder, "--cases", "3", "--seed", "5", "--size", "48x40x16", .. extra]);
        Assert.True(code == 0, stderr);
        return folder;
    }

    [Fact]
    public async Task Writes_the_dataset_layout_with_case_metadata()
    {
        string folder = await Generate("layout", "--phases", "NAD", "--balance", "uniform");
        using var dataset = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "dataset.json")));
        Assert.Equal(3, dataset.RootElement.GetProperty("cases").GetInt32());
        Assert.Equal("tumor", dataset.RootElement.GetProperty("labels").GetProperty("2").GetString());
        for (int n = 0; n < 3; n++)
        {
            string caseFolder = Path.Combine(folder, $"case_{n:D5}");
            Assert.Equal(
                new List<string> { "case.json", "imaging_A.nii.gz", "imaging_D.nii.gz", "imaging_N.nii.gz", "segmentation_A.nii.gz", "segmentation_D.nii.gz", "segmentation_N.nii.gz" },
                Directory.GetFiles(caseFolder).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToList());
            using var meta = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(caseFolder, "case.json")));
            var root = meta.RootElement;
            string subtype = root.GetProperty("subtype").GetString()!;
            Assert.Contains(subtype, RenalSubtypes.All.Select(s => s.Name()));
            Assert.Equal(subtype is "ccRCC" or "pRCC" or "chRCC", root.GetProperty("malignant").GetBoolean());
            var tumor = root.GetProperty("lesions").EnumerateArray().First(l => l.GetProperty("kind").GetString() == "tumor");
            Assert.Equal(3, tumor.GetProperty("mean_hu").EnumerateObject().Count());
            Assert.True(root.GetProperty("generator").GetProperty("scans").GetProperty("A").TryGetProperty("translation_mm", out _));
            foreach (var phase in "NAD")
            {
                var image = NiftiFile.Read(Path.Combine(caseFolder, $"imaging_{phase}.nii.gz"));
                var labels = NiftiFile.Read(Path.Combine(caseFolder, $"segmentation_{phase}.nii.gz"));
                Assert.True(image.Geometry.IsSameGrid(labels.Geometry));
                Assert.Equal(new Imaging.GridSize(48, 40, 16), image.Size);
            }
        }
    }

    [Fact]
    public async Task Same_arguments_give_byte_identical_files_and_another_seed_does_not()
    {
        string first = await Generate("a");
        string second = await Generate("b");
        var hashesA = Hashes(first);
        Assert.Equal(hashesA, Hashes(second));
        string folder = Path.Combine(_root, "c");
        var (code, _, _) = await Run("phantom", "--out", folder, "--cases", "3", "--seed", "6", "--size", "48x40x16");
        Assert.Equal(0, code);
        Assert.NotEqual(hashesA["case_00000/imaging_N.nii.gz"], Hashes(folder)["case_00000/imaging_N.nii.gz"]);
    }

    [Fact]
    public async Task Nibabel_reads_the_files_with_our_geometry_and_voxels()
    {
        string folder = await Generate("nib", "--phases", "P");
        string caseFolder = Path.Combine(folder, "case_00001");
        string image = Path.Combine(caseFolder, "imaging_P.nii.gz"), labels = Path.Combine(caseFolder, "segmentation_P.nii.gz");
        const string Script = """
            import sys, nibabel as nib, numpy as np
            for path in sys.argv[1:]:
                img = nib.load(path)
                a = np.asarray(img.dataobj)
                print(path.rsplit('/', 1)[-1], a.dtype, 'x'.join(map(str, a.shape)), int(a.astype(np.int64).sum()),
                      ' '.join(f'{v:.4f}' for v in img.affine[:3].ravel()), int(img.header['sform_code']), int(img.header['qform_code']))
            """;
        var lines = ReferencePython.Run(Script, image, labels).Trim().Split('\n');
        var ours = new[] { NiftiFile.Read(image), NiftiFile.Read(labels) };
        for (int n = 0; n < 2; n++)
        {
            var f = lines[n].Split(' ');
            Assert.Equal(n == 0 ? "int16" : "uint8", f[1]);
            Assert.Equal("48x40x16", f[2]);
            long sum = n == 0 ? ours[n].Voxels<short>().ToArray().Sum(v => (long)v) : ours[n].Voxels<byte>().ToArray().Sum(v => (long)v);
            Assert.Equal(sum, long.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture));
            var (linear, offset) = NiftiAffine.ToRas(ours[n].Geometry);
            var affine = f.Skip(4).Take(12).Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (int r = 0; r < 3; r++)
            {
                for (int c = 0; c < 3; c++) Assert.Equal(linear[r, c], affine[r * 4 + c], 3);
                Assert.Equal(offset[r], affine[r * 4 + 3], 3);
            }
            Assert.Equal("1", f[16]);
            Assert.Equal("1", f[17]);
        }
        Assert.True(ours[1].Voxels<byte>().ToArray().Any(v => v == 1), "the kidney is in the field of view");
    }

    [Theory]
    [InlineData("--cases", "0", "--seed", "1")]
    [InlineData("--cases", "2")]
    [InlineData("--seed", "1")]
    [InlineData("--cases", "2", "--seed", "1", "--size", "huge")]
    [InlineData("--cases", "2", "--seed", "1", "--size", "4x4x4")]
    [InlineData("--cases", "2", "--seed", "1", "--phases", "NX")]
    [InlineData("--cases", "2", "--seed", "1", "--phases", "NN")]
    [InlineData("--cases", "2", "--seed", "1", "--balance", "skewed")]
    [InlineData("--cases", "2", "--seed", "1", "--normal-fraction", "1.5")]
    [InlineData("--cases", "2", "--seed", "1", "--cyst-fraction", "-0.1")]
    [InlineData("--cases", "2", "--seed", "1", "--colour", "red")]
    public async Task Bad_arguments_exit_2_and_write_nothing(params string[] args)
    {
        string folder = Path.Combine(_root, "bad");
        var (code, _, stderr) = await Run(["phantom", "--out", folder, .. args]);
        Assert.Equal(2, code);
        Assert.Contains("renal phantom:", stderr);
        Assert.False(Directory.Exists(folder));
    }

    private static Dictionary<string, string> Hashes(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(folder, f).Replace('\\', '/'),
            f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
