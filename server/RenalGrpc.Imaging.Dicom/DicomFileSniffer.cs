using System.Text;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>What the first bytes of a file say about it, before GDCM is let near it.</summary>
internal enum SniffedKind
{
    NotDicom,
    /// <summary>A DICOMDIR media directory: DICOM, never an image.</summary>
    MediaDirectory,
    Candidate,
}

/// <summary>
/// Cheap pre-filter of folder contents. Debian's GDCM is built with assertions enabled, and some
/// malformed inputs (seen: a DICOMDIR with odd offsets) make it abort the whole process instead of
/// failing the read, so only files that look like DICOM reach it, and DICOMDIRs never do.
/// </summary>
internal static class DicomFileSniffer
{
    private const int PreambleLength = 128;
    private const int ProbeLength = 4096;
    private const string MediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";

    public static SniffedKind Sniff(string path)
    {
        Span<byte> head = stackalloc byte[ProbeLength];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
            read = stream.ReadAtLeast(head, ProbeLength, throwOnEndOfStream: false);
        head = head[..read];

        if (read >= PreambleLength + 4 && head.Slice(PreambleLength, 4).SequenceEqual("DICM"u8))
        {
            return MediaStorageSopClass(head[(PreambleLength + 4)..]) == MediaStorageDirectoryStorage
                ? SniffedKind.MediaDirectory
                : SniffedKind.Candidate;
        }
        // Old files without preamble start straight with a group 0008 element (little endian).
        return read >= 8 && head[0] == 0x08 && head[1] == 0x00 ? SniffedKind.Candidate : SniffedKind.NotDicom;
    }

    /// <summary>(0002,0002) from the explicit-VR little-endian file meta group, or null.</summary>
    private static string? MediaStorageSopClass(ReadOnlySpan<byte> meta)
    {
        int at = 0;
        while (at + 8 <= meta.Length)
        {
            int group = meta[at] | meta[at + 1] << 8;
            int element = meta[at + 2] | meta[at + 3] << 8;
            if (group != 0x0002) return null;
            var vr = meta.Slice(at + 4, 2);
            bool longForm = vr.SequenceEqual("OB"u8) || vr.SequenceEqual("OW"u8) || vr.SequenceEqual("SQ"u8)
                            || vr.SequenceEqual("UN"u8) || vr.SequenceEqual("UT"u8) || vr.SequenceEqual("OF"u8);
            long length;
            int header;
            if (longForm)
            {
                if (at + 12 > meta.Length) return null;
                length = (uint)(meta[at + 8] | meta[at + 9] << 8 | meta[at + 10] << 16 | meta[at + 11] << 24);
                header = 12;
            }
            else
            {
                length = meta[at + 6] | meta[at + 7] << 8;
                header = 8;
            }
            if (at + header + length > meta.Length) return null;
            if (element == 0x0002) return Encoding.ASCII.GetString(meta.Slice(at + header, (int)length)).TrimEnd('\0', ' ');
            at += header + (int)length;
        }
        return null;
    }
}
