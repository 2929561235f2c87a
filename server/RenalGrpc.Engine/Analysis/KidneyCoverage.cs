using System.Globalization;
using RenalGrpc.Imaging;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Whether the reference phase's scan shows the kidneys whole. "No renal mass found" is only as good as the
/// field of view: a scan that misses the kidneys (another body region, a wrong series, a few slices) or stops
/// at a pole would come back "no renal mass found" with nothing to say that no kidney was looked at, and a mass
/// beyond the edge is invisible to every stage (all of them read the reference grid or scans aligned onto it).
/// </summary>
public static class KidneyCoverage
{
    /// <summary>Kidney and lesion voxels on one end slice that count as the kidneys reaching it (less is a stray voxel).</summary>
    public const double MinEdgeMl = 0.5;

    /// <summary>Warnings for <paramref name="labels"/> (the reference phase's labels, any of 1-3 counted as kidney): none when the kidneys lie inside the field of view.</summary>
    public static IReadOnlyList<string> Warnings(Volume labels, string referencePhase)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.VoxelType != VoxelType.UInt8) throw new ArgumentException("labels must be uint8", nameof(labels));
        var size = labels.Size;
        var voxels = labels.Voxels<byte>();
        long plane = (long)size.I * size.J;
        long total = 0, first = 0, last = 0, sides = 0;
        for (int k = 0; k < size.K; k++)
            for (int j = 0; j < size.J; j++)
            {
                var row = voxels.Slice((int)(k * plane + (long)j * size.I), size.I);
                int inRow = 0;
                for (int i = 0; i < row.Length; i++) if (row[i] != 0) inRow++;
                if (inRow == 0) continue;
                total += inRow;
                if (k == 0) first += inRow;
                if (k == size.K - 1) last += inRow;
                if (j == 0 || j == size.J - 1) sides += inRow;
                else sides += (row[0] != 0 ? 1 : 0) + (size.I > 1 && row[^1] != 0 ? 1 : 0);
            }
        if (total == 0)
            return [$"no kidney found in the scan given as {referencePhase}: it may not cover the kidneys, and \"no renal mass found\" does not rule a mass out"];

        var spacing = labels.Geometry.Spacing;
        double minVoxels = Math.Max(1, MinEdgeMl * 1000 / (spacing.X * spacing.Y * spacing.Z));
        var warnings = new List<string>();
        // Which end is which: LPS z grows towards the head.
        bool firstIsUpper = labels.Geometry.IndexToPhysical(0, 0, 0).Z > labels.Geometry.IndexToPhysical(0, 0, Math.Max(1, size.K - 1)).Z;
        foreach (var (count, upper) in new[] { (first, firstIsUpper), (last, !firstIsUpper) })
        {
            if (count < minVoxels || (size.K == 1 && !upper)) continue;
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"the kidneys reach the {(upper ? "upper" : "lower")} end of the scan given as {referencePhase} ({count * spacing.X * spacing.Y * spacing.Z / 1000:F1} ml on its last slice): a mass beyond its field of view cannot be seen"));
        }
        if (sides >= minVoxels)
            warnings.Add($"the kidneys reach the side of the field of view of the scan given as {referencePhase}: a mass beyond it cannot be seen");
        return warnings;
    }
}
