namespace RenalGrpc.Training;

/// <summary>
/// The seed of one step's (or epoch's) random draws, from the run's seed, the step and a stream
/// tag, the same in every process. Why not HashCode.Combine: .NET seeds it at random per process,
/// so two runs of one command with one --seed drew different augmentations and were not
/// reproducible. SplitMix64's finaliser mixes the three numbers.
/// </summary>
public static class StepSeed
{
    public static int For(int seed, int step, int stream)
    {
        ulong x = Mix((uint)seed);
        x = Mix(x ^ (uint)step);
        x = Mix(x ^ (uint)stream);
        return unchecked((int)(x ^ (x >> 32)));
    }

    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
