using System.Buffers.Binary;
using System.Security.Cryptography;

namespace RenalGrpc.Server.Storage;

/// <summary>
/// The content address of a study: SHA-256 over the canonical encoding of its validated
/// descriptors (sorted by phase), first 32 lowercase hex characters. Identical content gets
/// the same id on every server, which is what makes re-uploads free.
/// </summary>
public static class StudyIdentity
{
    private const int BytesPerPhase = 4 + 4 + 3 * 4 + 18 * 8 + 8 + 32;

    public static string Compute(IReadOnlyList<PhaseDescriptor> sortedPhases)
    {
        var canonical = new byte[sortedPhases.Count * BytesPerPhase];
        var span = canonical.AsSpan();
        foreach (var p in sortedPhases)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span, (int)p.Phase);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], (int)p.VoxelType);
            BinaryPrimitives.WriteUInt32LittleEndian(span[8..], p.SizeI);
            BinaryPrimitives.WriteUInt32LittleEndian(span[12..], p.SizeJ);
            BinaryPrimitives.WriteUInt32LittleEndian(span[16..], p.SizeK);
            span = span[20..];
            foreach (var value in p.Spacing.Concat(p.Origin).Concat(p.Direction))
            {
                // Adding +0.0 turns -0.0 into +0.0 so equal geometry always encodes equally.
                BinaryPrimitives.WriteDoubleLittleEndian(span, value + 0.0);
                span = span[8..];
            }

            BinaryPrimitives.WriteUInt64LittleEndian(span, p.ByteLength);
            p.Sha256.CopyTo(span[8..]);
            span = span[40..];
        }

        return Convert.ToHexStringLower(SHA256.HashData(canonical))[..IdLength];
    }

    public const int IdLength = 32;

    /// <summary>Whether <paramref name="id"/> can be an id <see cref="Compute"/> made: 32 lowercase hex characters.</summary>
    public static bool IsWellFormed(string id) =>
        id.Length == IdLength && id.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>
    /// A client's id as it may appear in a message: quoted, cut to 40 characters and with control characters
    /// replaced. Echoing a megabyte id whole made the status trailer too large for the client to read.
    /// </summary>
    public static string Quoted(string id)
    {
        const int Shown = 40;
        var head = new string(id.Take(Shown).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return id.Length <= Shown ? $"'{head}'" : $"'{head}...' ({id.Length} characters)";
    }
}
