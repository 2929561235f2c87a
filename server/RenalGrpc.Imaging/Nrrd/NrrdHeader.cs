using System.Globalization;
using System.Text;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>
/// The text header of a NRRD file: the basic fields ("type: short") keyed by their
/// normalised name, the key/value pairs ("Segment0_Name:=kidney") in file order, and where the
/// header ended, which for an attached header is where the data begins.
/// </summary>
internal sealed class NrrdHeader
{
    // Large Slicer segmentations carry a few hundred bytes per segment; anything past this is not a header.
    private const int MaxHeaderBytes = 16 * 1024 * 1024;

    private readonly Dictionary<string, string> _fields;

    private NrrdHeader(string path, Dictionary<string, string> fields, List<KeyValuePair<string, string>> keyValues, long dataOffset)
    {
        Path = path;
        _fields = fields;
        KeyValues = keyValues;
        DataOffset = dataOffset;
    }

    public string Path { get; }

    /// <summary>Key/value pairs in file order, with NRRD escapes ("\n", "\\") undone.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyValues { get; }

    /// <summary>Byte offset just past the header (after the blank line, or end of a detached header).</summary>
    public long DataOffset { get; }

    public bool Has(string field) => _fields.ContainsKey(NormaliseFieldName(field));

    public string? Get(string field) => _fields.GetValueOrDefault(NormaliseFieldName(field));

    public string Require(string field) =>
        Get(field) ?? throw Problem($"the required field \"{field}\" is missing");

    public int RequireInt(string field)
    {
        var text = Require(field);
        return int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Problem($"field \"{field}\" is \"{text}\", not an integer");
    }

    public int GetInt(string field, int fallback) => Has(field) ? RequireInt(field) : fallback;

    /// <summary>Whitespace-separated words of a field, or null when absent.</summary>
    public string[]? Words(string field) =>
        Get(field)?.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    public ImageFormatException Problem(string problem, Exception? inner = null) => new(Path, problem, inner);

    /// <summary>
    /// Field names are matched without spaces and case ("byte skip" == "byteskip"), as teem
    /// accepts both spellings of the older forms.
    /// </summary>
    public static string NormaliseFieldName(string name) =>
        name.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>File names listed after "data file: LIST" (empty for other headers).</summary>
    public IReadOnlyList<string> ListedDataFiles { get; private init; } = [];

    /// <summary>Reads and parses the header at the start of the stream, leaving the stream anywhere.</summary>
    public static NrrdHeader Read(Stream stream, string path)
    {
        var lines = ReadHeaderLines(stream, path, out long dataOffset);
        if (lines.Count == 0 || !lines[0].StartsWith("NRRD000", StringComparison.Ordinal) || lines[0].Length != 8)
            throw new ImageFormatException(path, "not a NRRD file: the first line is not the magic \"NRRD000N\"");

        var fields = new Dictionary<string, string>();
        var keyValues = new List<KeyValuePair<string, string>>();
        var listed = new List<string>();
        for (int n = 1; n < lines.Count; n++)
        {
            var line = lines[n];
            if (line.Length == 0 || line[0] == '#') continue;
            if (fields.GetValueOrDefault("datafile")?.StartsWith("LIST", StringComparison.Ordinal) == true)
            {
                listed.Add(line.Trim()); // after "data file: LIST" every line names a data file
                continue;
            }
            int kv = line.IndexOf(":=", StringComparison.Ordinal);
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (kv >= 0 && (colon < 0 || kv < colon))
                keyValues.Add(new(Unescape(line[..kv]), Unescape(line[(kv + 2)..])));
            else if (colon > 0)
                fields[NormaliseFieldName(line[..colon])] = line[(colon + 2)..].Trim();
            else
                throw new ImageFormatException(path, $"header line {n + 1} \"{Shorten(line)}\" is neither \"field: value\" nor \"key:=value\"");
        }
        return new NrrdHeader(path, fields, keyValues, dataOffset) { ListedDataFiles = listed };
    }

    private static List<string> ReadHeaderLines(Stream stream, string path, out long dataOffset)
    {
        var lines = new List<string>();
        var line = new List<byte>(128);
        long position = 0;
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                if (line.Count > 0) lines.Add(Encoding.UTF8.GetString(line.ToArray()));
                dataOffset = position;
                return lines;
            }
            position++;
            if (position > MaxHeaderBytes)
                throw new ImageFormatException(path, $"no end of the NRRD header within the first {MaxHeaderBytes} bytes");
            if (position == 1 && b != 'N')
                throw new ImageFormatException(path, "not a NRRD file: the first line is not the magic \"NRRD000N\"");
            if (b == '\r') continue;
            if (b != '\n')
            {
                line.Add((byte)b);
                continue;
            }
            if (line.Count == 0 && lines.Count > 0)
            {
                dataOffset = position; // blank line: an attached header ends here
                return lines;
            }
            lines.Add(Encoding.UTF8.GetString(line.ToArray()));
            line.Clear();
        }
    }

    private static string Unescape(string text)
    {
        if (!text.Contains('\\')) return text;
        var sb = new StringBuilder(text.Length);
        for (int n = 0; n < text.Length; n++)
        {
            if (text[n] == '\\' && n + 1 < text.Length)
            {
                n++;
                sb.Append(text[n] == 'n' ? '\n' : text[n]);
            }
            else sb.Append(text[n]);
        }
        return sb.ToString();
    }

    /// <summary>Escapes a key or value so it stays on one header line.</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal);

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "...";
}
