namespace RenalGrpc.Phantom;

/// <summary>
/// Deterministic random numbers. Parameters come from a SplitMix64 stream (fixed algorithm, so
/// files do not change with the .NET runtime's Random); voxel noise from a stateless hash of
/// (seed, voxel index) so parallel loops give the same bytes in any order.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    private ulong _state = seed;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A child seed for a named sub-stream (a case, a phase).</summary>
    public static ulong Derive(ulong seed, ulong stream) => Mix(seed * 0x9E3779B97F4A7C15UL + stream + 0x632BE59BD9B4E019UL);

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public bool Chance(double probability) => NextDouble() < probability;

    public int Below(int n) => (int)(NextDouble() * n);

    /// <summary>Standard normal (Box-Muller).</summary>
    public double Gaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniformly distributed unit vector.</summary>
    public Imaging.Vec3 UnitVector()
    {
        double z = Uniform(-1, 1), t = Uniform(0, 2 * Math.PI), r = Math.Sqrt(1 - z * z);
        return new Imaging.Vec3(r * Math.Cos(t), r * Math.Sin(t), z);
    }

    /// <summary>
    /// Approximately standard normal value for voxel `index` (Irwin-Hall sum of four 16-bit
    /// uniforms, rescaled): cheap, stateless, and smooth enough once the noise is blurred.
    /// </summary>
    public static float VoxelGaussian(ulong seed, long index)
    {
        ulong h = Mix(seed ^ ((ulong)index * 0xD1B54A32D192ED03UL));
        double sum = (h & 0xFFFF) + ((h >> 16) & 0xFFFF) + ((h >> 32) & 0xFFFF) + (h >> 48);
        // Four uniforms on [0, 65535]: mean 2*65535, variance 4*(65536^2-1)/12.
        return (float)((sum - 2 * 65535.0) * (1.7320508075688772 / 65536.0));
    }
}
