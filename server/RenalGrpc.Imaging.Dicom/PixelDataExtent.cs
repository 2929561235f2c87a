using IOFile = System.IO.File;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Detects native (uncompressed) pixel data cut short by the end of the file. GDCM keeps the
/// declared value length and fills the missing bytes with zeros, so a truncated slice would
/// otherwise read as a silently black stripe.
/// </summary>
internal static class PixelDataExtent
{
    private const int ExplicitHeader = 12; // tag, VR, 2 reserved bytes, 32-bit length (OB/OW)
    private const int ImplicitHeader = 8;  // tag, 32-bit length

    /// <summary>Throws <see cref="ImageFormatException"/> when fewer than <paramref name="declaredLength"/> value bytes follow the pixel data header.</summary>
    public static void VerifyComplete(string path, long declaredLength, bool bigEndian)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        long fileLength = stream.Length;
        // Usual layout: pixel data is the last element, so its header sits right before the value.
        Span<byte> header = stackalloc byte[ExplicitHeader];
        foreach (int size in (ReadOnlySpan<int>)[ExplicitHeader, ImplicitHeader])
        {
            long at = fileLength - declaredLength - size;
            if (at < 0) continue;
            stream.Position = at;
            stream.ReadExactly(header[..size]);
            if (IsPixelDataHeader(header[..size], declaredLength, bigEndian)) return;
        }
        // Elements after the pixel data (trailing padding), or a short file: find the header itself.
        var bytes = IOFile.ReadAllBytes(path);
        long? valueStart = FindLastValueStart(bytes, declaredLength, bigEndian);
        if (valueStart is { } start && start + declaredLength > fileLength)
        {
            throw new ImageFormatException(path,
                $"pixel data is truncated: the header declares {declaredLength} bytes but the file ends after {fileLength - start}");
        }
    }

    private static long? FindLastValueStart(byte[] bytes, long declaredLength, bool bigEndian)
    {
        for (int at = bytes.Length - ImplicitHeader; at >= 0; at--)
        {
            if (!IsPixelDataTag(bytes.AsSpan(at), bigEndian)) continue;
            int remaining = bytes.Length - at;
            if (remaining >= ExplicitHeader && IsPixelDataHeader(bytes.AsSpan(at, ExplicitHeader), declaredLength, bigEndian)) return at + ExplicitHeader;
            if (IsPixelDataHeader(bytes.AsSpan(at, ImplicitHeader), declaredLength, bigEndian)) return at + ImplicitHeader;
        }
        return null;
    }

    private static bool IsPixelDataTag(ReadOnlySpan<byte> b, bool bigEndian) => bigEndian
        ? b[0] == 0x7F && b[1] == 0xE0 && b[2] == 0x00 && b[3] == 0x10
        : b[0] == 0xE0 && b[1] == 0x7F && b[2] == 0x10 && b[3] == 0x00;

    private static bool IsPixelDataHeader(ReadOnlySpan<byte> h, long declaredLength, bool bigEndian)
    {
        if (!IsPixelDataTag(h, bigEndian)) return false;
        ReadOnlySpan<byte> length = h.Length == ExplicitHeader
            ? (h[4] == (byte)'O' && (h[5] == (byte)'W' || h[5] == (byte)'B') ? h.Slice(8, 4) : default)
            : h.Slice(4, 4);
        if (length.Length != 4) return false;
        uint value = bigEndian
            ? (uint)(length[0] << 24 | length[1] << 16 | length[2] << 8 | length[3])
            : (uint)(length[0] | length[1] << 8 | length[2] << 16 | length[3] << 24);
        return value == declaredLength;
    }
}
