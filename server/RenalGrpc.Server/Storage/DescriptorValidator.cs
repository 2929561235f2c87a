using RenalGrpc.Imaging;

namespace RenalGrpc.Server.Storage;

/// <summary>
/// Checks the phase descriptors of an upload header or a FindStudy request and returns them
/// validated and sorted by phase. Field names follow the request: "phases[P].geometry.spacing"
/// once the phase is known, "phases[index].phase" before.
/// </summary>
public static class DescriptorValidator
{
    private const double OrthonormalTolerance = 1e-3;

    public static IReadOnlyList<PhaseDescriptor> Validate(IReadOnlyList<PhaseDescriptorInput> inputs, ulong maxVoxelsPerPhase)
    {
        if (inputs.Count == 0)
        {
            throw StudyRequestException.Invalid("phases", "the header lists no phases; send one descriptor per phase", "NO_PHASES");
        }

        var seen = new HashSet<StudyPhase>();
        var result = new List<PhaseDescriptor>(inputs.Count);
        for (var index = 0; index < inputs.Count; index++)
        {
            var input = inputs[index];
            if (!Enum.IsDefined((StudyPhase)input.Phase))
            {
                throw StudyRequestException.Invalid($"phases[{index}].phase", $"phase {input.Phase} is not one of N, A, P, D", "INVALID_PHASE");
            }

            var phase = (StudyPhase)input.Phase;
            if (!seen.Add(phase))
            {
                throw StudyRequestException.Invalid($"phases[{index}].phase", $"phase {phase} is listed more than once", "DUPLICATE_PHASE");
            }

            result.Add(ValidateOne(input, phase, maxVoxelsPerPhase));
        }

        result.Sort((a, b) => a.Phase.CompareTo(b.Phase));
        RefuseSameData(result);
        return result;
    }

    private static PhaseDescriptor ValidateOne(PhaseDescriptorInput input, StudyPhase phase, ulong maxVoxelsPerPhase)
    {
        var prefix = $"phases[{phase}]";
        if (!Enum.IsDefined((VoxelType)input.VoxelType))
        {
            throw StudyRequestException.Invalid($"{prefix}.voxel_type", $"voxel type {input.VoxelType} is not supported (UINT8, INT16, UINT16, FLOAT32)", "UNSUPPORTED_VOXEL_TYPE");
        }

        var voxelType = (VoxelType)input.VoxelType;
        var geometry = input.Geometry
            ?? throw StudyRequestException.Invalid($"{prefix}.geometry", "geometry is missing", "MISSING_GEOMETRY");
        CheckSize(geometry.SizeI, $"{prefix}.geometry.size_i");
        CheckSize(geometry.SizeJ, $"{prefix}.geometry.size_j");
        CheckSize(geometry.SizeK, $"{prefix}.geometry.size_k");

        var spacing = geometry.Spacing
            ?? throw StudyRequestException.Invalid($"{prefix}.geometry.spacing", "spacing is missing", "INVALID_SPACING");
        if (spacing.Any(s => !double.IsFinite(s) || s <= 0))
        {
            throw StudyRequestException.Invalid($"{prefix}.geometry.spacing", "every spacing must be finite and > 0 mm", "INVALID_SPACING");
        }

        var origin = geometry.Origin ?? [0, 0, 0];
        if (origin.Any(o => !double.IsFinite(o)))
        {
            throw StudyRequestException.Invalid($"{prefix}.geometry.origin", "origin must be finite", "INVALID_ORIGIN");
        }

        CheckDirection(geometry.Direction, $"{prefix}.geometry.direction");

        // Three uint32 factors cannot overflow a UInt128; compare there so huge grids are reported, not wrapped.
        var voxels = (UInt128)geometry.SizeI * geometry.SizeJ * geometry.SizeK;
        if (voxels > maxVoxelsPerPhase)
        {
            throw StudyRequestException.Exhausted($"{prefix}.geometry", $"{voxels} voxels exceed the server's limit of {maxVoxelsPerPhase} per phase", "TOO_MANY_VOXELS");
        }

        var expectedBytes = (ulong)voxels * (ulong)voxelType.BytesPerVoxel();
        if (input.ByteLength != expectedBytes)
        {
            throw StudyRequestException.Invalid($"{prefix}.byte_length", $"byte_length {input.ByteLength} != {expectedBytes} (voxels x bytes per voxel)", "BYTE_LENGTH_MISMATCH");
        }

        if (expectedBytes > StudyStoreOptions.MaxPhaseBytes)
        {
            throw StudyRequestException.Exhausted($"{prefix}.byte_length", $"a phase of {expectedBytes} bytes is larger than the server can hold", "PHASE_TOO_LARGE");
        }

        if (input.Sha256.Length != 32)
        {
            throw StudyRequestException.Invalid($"{prefix}.sha256", $"sha256 must be 32 bytes, got {input.Sha256.Length}", "INVALID_SHA256");
        }

        return new PhaseDescriptor(phase, voxelType, geometry.SizeI, geometry.SizeJ, geometry.SizeK,
            [.. spacing], [.. origin], [.. geometry.Direction], input.ByteLength, [.. input.Sha256]);
    }

    /// <summary>
    /// Two phases with one SHA-256 are one scan sent twice (a file picked for two phases, a folder
    /// read as "the largest series" for each): analysed as two phases it would show no enhancement
    /// at all and the subtype would come from that, so it is refused before any byte is sent.
    /// </summary>
    private static void RefuseSameData(IReadOnlyList<PhaseDescriptor> phases)
    {
        for (var b = 1; b < phases.Count; b++)
        {
            for (var a = 0; a < b; a++)
            {
                if (phases[a].Sha256.AsSpan().SequenceEqual(phases[b].Sha256))
                {
                    throw StudyRequestException.Invalid($"phases[{phases[b].Phase}].sha256",
                        $"phase {phases[b].Phase} has the same data (SHA-256) as phase {phases[a].Phase}: one scan sent for two phases",
                        "DUPLICATE_PHASE_DATA");
                }
            }
        }
    }

    private static void CheckSize(uint size, string field)
    {
        if (size == 0)
        {
            throw StudyRequestException.Invalid(field, "size must be > 0", "INVALID_SIZE");
        }
    }

    private static void CheckDirection(double[] d, string field)
    {
        if (d.Length != 9)
        {
            throw StudyRequestException.Invalid(field, $"direction must have 9 values (3x3 row-major), got {d.Length}", "INVALID_DIRECTION");
        }

        if (d.Any(v => !double.IsFinite(v)))
        {
            throw StudyRequestException.Invalid(field, "direction values must be finite", "INVALID_DIRECTION");
        }

        // Columns are the axes: column c is (d[c], d[3 + c], d[6 + c]). Orthonormal <=> D^T D = I.
        for (var a = 0; a < 3; a++)
        {
            for (var b = a; b < 3; b++)
            {
                var dot = d[a] * d[b] + d[3 + a] * d[3 + b] + d[6 + a] * d[6 + b];
                var expected = a == b ? 1.0 : 0.0;
                if (Math.Abs(dot - expected) > OrthonormalTolerance)
                {
                    throw StudyRequestException.Invalid(field, "direction columns must be orthonormal (tolerance 1e-3)", "INVALID_DIRECTION");
                }
            }
        }
    }
}
