using System.Globalization;
using RenalGrpc.Imaging;

namespace RenalGrpc.Phantom;

/// <summary>Which subtype mix the tumor cases follow.</summary>
public enum ClassBalanceMode { Paper, Uniform }

/// <summary>Grid size and nominal voxel spacing of every phase scan (each case jitters the spacing a little).</summary>
public sealed record ScanSize(GridSize Size, double InPlaneSpacing, double SliceSpacing)
{
    /// <summary>Fast default for tests: 128x128x40 at about 2.6 x 2.6 x 5 mm.</summary>
    public static ScanSize Small { get; } = new(new GridSize(128, 128, 40), 2.6, 5.0);

    /// <summary>Clinical-like: 512x512x200 at about 0.75 x 0.75 x 2.5 mm.</summary>
    public static ScanSize Realistic { get; } = new(new GridSize(512, 512, 200), 0.75, 2.5);

    /// <summary>"small", "realistic" or "WxHxD" (spacing chosen to cover about 340 mm in-plane and 200 mm or more in z).</summary>
    public static ScanSize Parse(string text)
    {
        if (text == "small") return Small;
        if (text == "realistic") return Realistic;
        var parts = text.Split('x');
        var dims = new int[3];
        if (parts.Length != 3 || !parts.Select((p, n) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out dims[n])).All(ok => ok)
            || dims.Any(d => d < 8 || d > 1024))
            throw new ArgumentException($"size '{text}' must be small, realistic or WxHxD with each dimension 8..1024");
        double inPlane = Math.Clamp(340.0 / Math.Max(dims[0], dims[1]), 0.5, 5.0);
        double slice = Math.Clamp(200.0 / dims[2], 1.0, 5.0);
        return new ScanSize(new GridSize(dims[0], dims[1], dims[2]), inPlane, slice);
    }
}

/// <summary>Everything `renal phantom` asks for.</summary>
public sealed record PhantomOptions
{
    public int Cases { get; init; } = 10;
    public int Seed { get; init; }
    public ScanSize Size { get; init; } = ScanSize.Small;
    public IReadOnlyList<ContrastPhase> Phases { get; init; } = ContrastPhases.All;
    public ClassBalanceMode Balance { get; init; } = ClassBalanceMode.Paper;

    /// <summary>Fraction of cases with no lesion at all.</summary>
    public double NormalFraction { get; init; }

    /// <summary>Fraction of the tumor cases that also carry a simple cyst.</summary>
    public double CystFraction { get; init; } = 0.2;

    public void Validate()
    {
        if (Cases < 1) throw new ArgumentException($"cases must be at least 1, got {Cases}");
        if (Phases.Count == 0) throw new ArgumentException("at least one phase is needed");
        if (!(NormalFraction >= 0 && NormalFraction <= 1)) throw new ArgumentException($"normal fraction must be in [0, 1], got {NormalFraction}");
        if (!(CystFraction >= 0 && CystFraction <= 1)) throw new ArgumentException($"cyst fraction must be in [0, 1], got {CystFraction}");
    }
}
