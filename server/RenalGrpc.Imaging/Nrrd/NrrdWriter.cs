using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace RenalGrpc.Imaging.Nrrd;

/// <summary>Writes a volume as NRRD: LPS, little-endian, raw or gzip, with optional key/value pairs.</summary>
internal static class NrrdWriter
{
    public static void Write(Volume volume, string path, NrrdEncoding encoding, IReadOnlyList<KeyValuePair<string, string>> keyValues)
    {
        bool detached = path.EndsWith(".nhdr", StringComparison.OrdinalIgnoreCase);
        string? dataPath = detached
            ? Path.ChangeExtension(path, encoding == NrrdEncoding.Gzip ? ".raw.gz" : ".raw")
            : null;
        var header = HeaderText(volume, encoding, dataPath is null ? null : Path.GetFileName(dataPath), keyValues);
        try
        {
            using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                file.Write(Encoding.UTF8.GetBytes(header));
                if (!detached) WriteData(file, volume, encoding);
            }
            if (dataPath is not null)
            {
                using var data = new FileStream(dataPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                WriteData(data, volume, encoding);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, $"cannot write: {e.Message}", e);
        }
    }

    private static void WriteData(Stream stream, Volume volume, NrrdEncoding encoding)
    {
        if (encoding == NrrdEncoding.Raw)
        {
            stream.Write(volume.Buffer);
            return;
        }
        // Fastest (zlib level 1): CT volumes compress nearly as well as at level 6 in a third of the time.
        using var zip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true);
        zip.Write(volume.Buffer);
    }

    private static string HeaderText(Volume volume, NrrdEncoding encoding, string? dataFile, IReadOnlyList<KeyValuePair<string, string>> keyValues)
    {
        var g = volume.Geometry;
        var sb = new StringBuilder();
        sb.Append("NRRD0004\n");
        sb.Append("# Complete NRRD file format specification at:\n");
        sb.Append("# http://teem.sourceforge.net/nrrd/format.html\n");
        sb.Append("type: ").Append(volume.VoxelType.NrrdName()).Append('\n');
        sb.Append("dimension: 3\n");
        sb.Append("space: left-posterior-superior\n");
        sb.Append(Invariant($"sizes: {g.Size.I} {g.Size.J} {g.Size.K}\n"));
        var m = g.IndexToPhysicalMatrix;
        sb.Append("space directions: ").Append(Vector(m.Column(0))).Append(' ').Append(Vector(m.Column(1))).Append(' ').Append(Vector(m.Column(2))).Append('\n');
        sb.Append("kinds: domain domain domain\n");
        sb.Append("endian: little\n");
        sb.Append("encoding: ").Append(encoding == NrrdEncoding.Gzip ? "gzip" : "raw").Append('\n');
        sb.Append("space origin: ").Append(Vector(g.Origin)).Append('\n');
        if (dataFile is not null) sb.Append("data file: ").Append(dataFile).Append('\n');
        foreach (var (key, value) in keyValues)
            sb.Append(NrrdHeader.Escape(key)).Append(":=").Append(NrrdHeader.Escape(value)).Append('\n');
        if (dataFile is null) sb.Append('\n'); // the blank line that ends an attached header
        return sb.ToString();
    }

    /// <summary>Shortest text that parses back to exactly the same doubles.</summary>
    private static string Vector(Vec3 v) => $"({Number(v.X)},{Number(v.Y)},{Number(v.Z)})";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
