using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// Finds and reads the sample bytes a header describes: attached after the header or in
/// detached data file(s), honouring "line skip" and "byte skip", raw, gzip or ascii.
/// </summary>
internal static class NrrdDataReader
{
    /// <summary>Reads <paramref name="count"/> samples and returns them as little-endian voxels.</summary>
    public static byte[] ReadVoxels(NrrdHeader header, long count, NrrdScalarType type)
    {
        var encoding = ParseEncoding(header);
        long totalBytes = count * type.Size();
        if (totalBytes > Array.MaxLength || count * type.ToVoxelType().BytesPerVoxel() > Array.MaxLength)
            throw header.Problem($"{count} samples of {type} are more than one buffer can hold");
        bool bigEndian = encoding != Encoding.Ascii && type.Size() > 1 && ParseBigEndian(header);
        var files = DataFiles(header);
        if (count % files.Count != 0)
            throw header.Problem($"{count} samples cannot be split evenly over {files.Count} data files");
        int lineSkip = header.GetInt("line skip", 0);
        long byteSkip = header.GetInt("byte skip", 0);
        if (lineSkip < 0) throw header.Problem($"line skip {lineSkip} is negative");
        if (byteSkip < -1) throw header.Problem($"byte skip {byteSkip} is negative (only -1, data at the end of the file, is allowed)");
        if (byteSkip == -1 && encoding != Encoding.Raw)
            throw header.Problem("byte skip -1 (data at the end of the file) is only allowed with raw encoding");

        if (encoding == Encoding.Ascii)
        {
            var text = new StringBuilder();
            foreach (var (path, offset) in files) text.Append(ReadAsciiText(header, path, offset, lineSkip, byteSkip)).Append(' ');
            return NrrdSampleDecoder.DecodeAscii(text.ToString(), count, type, header);
        }

        var samples = new byte[totalBytes];
        long perFile = totalBytes / files.Count;
        for (int f = 0; f < files.Count; f++)
        {
            var (path, offset) = files[f];
            var destination = samples.AsSpan((int)(f * perFile), (int)perFile);
            ReadBinary(header, path, offset, lineSkip, byteSkip, encoding == Encoding.Gzip, destination);
        }
        return NrrdSampleDecoder.DecodeBinary(samples, type, bigEndian);
    }

    private enum Encoding { Raw, Gzip, Ascii }

    private static Encoding ParseEncoding(NrrdHeader header)
    {
        var name = header.Require("encoding").ToLowerInvariant();
        return name switch
        {
            "raw" => Encoding.Raw,
            "gzip" or "gz" => Encoding.Gzip,
            "ascii" or "text" or "txt" => Encoding.Ascii,
            _ => throw header.Problem($"unsupported encoding \"{name}\" (raw, gzip and ascii are supported)"),
        };
    }

    private static bool ParseBigEndian(NrrdHeader header)
    {
        var endian = header.Get("endian")?.ToLowerInvariant()
            ?? throw header.Problem("the \"endian\" field is missing, and multi-byte binary samples need it");
        return endian switch
        {
            "big" => true,
            "little" => false,
            _ => throw header.Problem($"endian \"{endian}\" is neither little nor big"),
        };
    }

    /// <summary>Data files with the offset where their content starts (after an attached header).</summary>
    private static List<(string Path, long Offset)> DataFiles(NrrdHeader header)
    {
        var spec = header.Get("data file");
        if (spec is null) return [(header.Path, header.DataOffset)];
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(header.Path)) ?? ".";
        string Resolve(string name) => System.IO.Path.IsPathRooted(name) ? name : System.IO.Path.Combine(folder, name);

        var words = spec.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0) throw header.Problem("\"data file\" names no file");
        if (words[0] == "LIST")
        {
            if (header.ListedDataFiles.Count == 0) throw header.Problem("\"data file: LIST\" is followed by no file names");
            return header.ListedDataFiles.Select(n => (Resolve(n), 0L)).ToList();
        }
        if (words.Length >= 4 && words[0].Contains('%'))
            return FormattedNames(header, words).Select(n => (Resolve(n), 0L)).ToList();
        return [(Resolve(spec), 0L)];
    }

    /// <summary>"data file: slice%03d.raw 1 10 1": one file per number from min to max by step.</summary>
    private static List<string> FormattedNames(NrrdHeader header, string[] words)
    {
        if (!int.TryParse(words[1], CultureInfo.InvariantCulture, out int min) || !int.TryParse(words[2], CultureInfo.InvariantCulture, out int max)
            || !int.TryParse(words[3], CultureInfo.InvariantCulture, out int step) || step == 0)
            throw header.Problem($"\"data file: {string.Join(' ', words)}\" needs integer min, max and a non-zero step");
        var names = new List<string>();
        for (int n = min; step > 0 ? n <= max : n >= max; n += step)
        {
            names.Add(FormatNumber(words[0], n, header));
            if (names.Count > 1_000_000) throw header.Problem("\"data file\" lists more than a million files");
        }
        return names;
    }

    // Supports the printf conversions file lists use: %d, %i, %u with an optional 0 flag and width.
    private static string FormatNumber(string format, int value, NrrdHeader header)
    {
        int at = format.IndexOf('%');
        int end = at + 1;
        bool zeroPad = end < format.Length && format[end] == '0';
        while (end < format.Length && char.IsDigit(format[end])) end++;
        if (end >= format.Length || format[end] is not ('d' or 'i' or 'u'))
            throw header.Problem($"data file format \"{format}\" is not a %d-style pattern");
        int width = end > at + 1 ? int.Parse(format.AsSpan(at + 1, end - at - 1), CultureInfo.InvariantCulture) : 0;
        var number = value.ToString(CultureInfo.InvariantCulture);
        number = zeroPad ? number.PadLeft(width, '0') : number.PadLeft(width);
        return format[..at] + number + format[(end + 1)..];
    }

    private static FileStream Open(NrrdHeader header, string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw header.Problem($"data file \"{path}\" does not exist", e);
        }
    }

    private static void SkipLines(NrrdHeader header, Stream stream, int lines)
    {
        for (int n = 0; n < lines; n++)
        {
            int b;
            do b = stream.ReadByte(); while (b >= 0 && b != '\n');
            if (b < 0) throw header.Problem($"data ends within the {lines} lines \"line skip\" says to skip");
        }
    }

    private static void ReadBinary(NrrdHeader header, string path, long offset, int lineSkip, long byteSkip, bool gzip, Span<byte> destination)
    {
        using var file = Open(header, path);
        file.Position = offset;
        SkipLines(header, file, lineSkip);
        if (!gzip)
        {
            if (byteSkip == -1)
            {
                long start = file.Length - destination.Length;
                if (start < file.Position)
                    throw header.Problem($"data is shorter than the header says: {file.Length - file.Position} bytes for {destination.Length}");
                file.Position = start;
            }
            else file.Position += byteSkip;
            int got = file.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            if (got < destination.Length)
                throw header.Problem($"data is shorter than the header says: {got} of {destination.Length} bytes in {System.IO.Path.GetFileName(path)}");
            return;
        }
        try
        {
            using var unzip = new GZipStream(file, CompressionMode.Decompress);
            // For compressed data "byte skip" counts decompressed bytes.
            for (long skipped = 0; skipped < byteSkip; skipped++)
                if (unzip.ReadByte() < 0) throw header.Problem("gzip data ends within the \"byte skip\" bytes");
            int got = unzip.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
            if (got < destination.Length)
                throw header.Problem($"gzip data is truncated or shorter than the header says: it holds {got} of {destination.Length} bytes");
        }
        catch (InvalidDataException e)
        {
            throw header.Problem($"gzip data is corrupt or truncated: {e.Message}", e);
        }
    }

    private static string ReadAsciiText(NrrdHeader header, string path, long offset, int lineSkip, long byteSkip)
    {
        using var file = Open(header, path);
        file.Position = offset;
        SkipLines(header, file, lineSkip);
        file.Position += byteSkip;
        using var reader = new StreamReader(file, System.Text.Encoding.ASCII);
        return reader.ReadToEnd();
    }
}
