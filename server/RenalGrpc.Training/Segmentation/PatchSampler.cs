using RenalGrpc.Imaging;
using RenalGrpc.Training.Data;

namespace RenalGrpc.Training.Segmentation;

/// <summary>A training patch cut from a <see cref="ModelGridPhase"/>; shape (z, y, x).</summary>
public sealed record Patch(float[] Image, byte[] Labels);

/// <summary>
/// Cuts fixed-size patches, nnU-Net style: a share of them centred on a random lesion voxel and a
/// share on a random kidney voxel so that the rare classes are seen every step; the rest uniform.
/// Outside the image, patches hold the normalised air value and background.
/// </summary>
public sealed class PatchSampler
{
    private readonly IReadOnlyList<ModelGridPhase> phases;
    private readonly int[][] lesionVoxels;
    private readonly int[][] kidneyVoxels;

    public PatchSampler(IReadOnlyList<ModelGridPhase> phases, int[] patchShape, float padValue,
        double lesionCentredFraction = 0.4, double kidneyCentredFraction = 0.3)
    {
        if (phases.Count == 0) throw new ArgumentException("no training phases");
        if (patchShape.Length != 3 || patchShape.Any(n => n < 1)) throw new ArgumentException("patch shape must be three positive sizes (z, y, x)");
        this.phases = phases;
        PatchShape = patchShape;
        PadValue = padValue;
        LesionCentredFraction = lesionCentredFraction;
        KidneyCentredFraction = kidneyCentredFraction;
        // Index lists are thinned to at most ~5000 entries per phase: centres only need to be typical.
        lesionVoxels = phases.Select(p => IndicesOf(p.Labels, l => l >= KidneyLabels.Tumor)).ToArray();
        kidneyVoxels = phases.Select(p => IndicesOf(p.Labels, l => l == KidneyLabels.Kidney)).ToArray();
    }

    public int[] PatchShape { get; }
    public float PadValue { get; }
    public double LesionCentredFraction { get; }
    public double KidneyCentredFraction { get; }

    public Patch Sample(Random random)
    {
        int which = random.Next(phases.Count);
        var phase = phases[which];
        double draw = random.NextDouble();
        int[]? pool = draw < LesionCentredFraction ? lesionVoxels[which]
            : draw < LesionCentredFraction + KidneyCentredFraction ? kidneyVoxels[which] : null;
        int[] centre;
        if (pool is { Length: > 0 })
        {
            int index = pool[random.Next(pool.Length)];
            int plane = phase.Shape[1] * phase.Shape[2];
            centre = new[] { index / plane, index % plane / phase.Shape[2], index % phase.Shape[2] };
            // Jitter so the lesion is not always in the exact middle of the patch.
            for (int a = 0; a < 3; a++) centre[a] += random.Next(-PatchShape[a] / 4, PatchShape[a] / 4 + 1);
        }
        else
        {
            centre = new int[3];
            for (int a = 0; a < 3; a++) centre[a] = random.Next(phase.Shape[a]);
        }
        var start = new int[3];
        for (int a = 0; a < 3; a++)
        {
            // Keep the patch inside the image where it fits; centre it where the image is smaller.
            int lo = Math.Min(0, phase.Shape[a] - PatchShape[a]) / 2;
            int hi = Math.Max(lo, phase.Shape[a] - PatchShape[a]);
            start[a] = Math.Clamp(centre[a] - PatchShape[a] / 2, lo, hi);
        }
        return Cut(phase, start);
    }

    /// <summary>Copies the box at <paramref name="start"/> (may reach outside the image) into a new patch.</summary>
    public Patch Cut(ModelGridPhase phase, int[] start)
    {
        int pz = PatchShape[0], py = PatchShape[1], px = PatchShape[2];
        int sz = phase.Shape[0], sy = phase.Shape[1], sx = phase.Shape[2];
        var image = new float[pz * py * px];
        var labels = new byte[image.Length];
        Array.Fill(image, PadValue);
        int x0 = Math.Max(0, -start[2]), x1 = Math.Min(px, sx - start[2]);
        if (x1 <= x0) return new Patch(image, labels);
        for (int z = 0; z < pz; z++)
        {
            int iz = start[0] + z;
            if (iz < 0 || iz >= sz) continue;
            for (int y = 0; y < py; y++)
            {
                int iy = start[1] + y;
                if (iy < 0 || iy >= sy) continue;
                int source = (iz * sy + iy) * sx + start[2] + x0;
                int target = (z * py + y) * px + x0;
                Array.Copy(phase.Image, source, image, target, x1 - x0);
                Array.Copy(phase.Labels, source, labels, target, x1 - x0);
            }
        }
        return new Patch(image, labels);
    }

    private static int[] IndicesOf(byte[] labels, Func<byte, bool> wanted)
    {
        var found = new List<int>();
        for (int n = 0; n < labels.Length; n++)
        {
            if (wanted(labels[n])) found.Add(n);
        }
        int step = Math.Max(1, found.Count / 5000);
        return found.Where((_, n) => n % step == 0).ToArray();
    }
}
