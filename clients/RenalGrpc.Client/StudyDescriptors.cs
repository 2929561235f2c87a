using System.Security.Cryptography;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>The phases of a study in N, A, P, D order with their wire descriptors (grid, length, SHA-256).</summary>
internal sealed class StudyDescriptors
{
    private StudyDescriptors(IReadOnlyList<PhaseToSend> phases)
    {
        Phases = phases;
        TotalBytes = phases.Sum(p => p.Volume.Buffer.LongLength);
    }

    public IReadOnlyList<PhaseToSend> Phases { get; }

    public long TotalBytes { get; }

    /// <summary>Checks the phase names, then hashes the phases in parallel (SHA-256 is the slow part for 100 MB volumes).</summary>
    public static async Task<StudyDescriptors> ComputeAsync(IReadOnlyDictionary<string, Volume> phases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0) throw new ArgumentException("a study needs at least one phase", nameof(phases));
        foreach (var (code, volume) in phases)
        {
            if (!ProtoMapping.PhaseCodes.Contains(code))
                throw new ArgumentException($"unknown phase '{code}'; expected one of N, A, P, D", nameof(phases));
            if (volume is null) throw new ArgumentException($"phase {code} has no volume", nameof(phases));
        }
        var ordered = ProtoMapping.PhaseCodes.Where(phases.ContainsKey).ToList();
        var hashes = await Task.WhenAll(ordered.Select(code => Task.Run(() => SHA256.HashData(phases[code].Buffer), cancellationToken)));
        var list = ordered.Select((code, n) => new PhaseToSend(code, phases[code], ProtoMapping.MapToDescriptor(code, phases[code], hashes[n]))).ToList();
        return new StudyDescriptors(list);
    }
}

internal sealed record PhaseToSend(string Code, Volume Volume, Proto.VolumeDescriptor Descriptor);
