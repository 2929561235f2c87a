using System.Buffers.Binary;
using System.Text;

namespace RenalGrpc.Imaging.Nifti;

/// <summary>Decodes the fixed NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes) headers of either byte order.</summary>
internal static class NiftiHeaderParser
{
    /// <summary>
    /// NIfTI version and byte order from the first 4 bytes (sizeof_hdr), the only field whose value
    /// is fixed, which is how the spec says to detect a byte-swapped file.
    /// </summary>
    public static (int Version, bool BigEndian) DetectVersion(ReadOnlySpan<byte> first4, string path)
    {
        if (first4.Length < 4) throw new ImageFormatException(path, "file is too short to hold a NIfTI header");
        int little = BinaryPrimitives.ReadInt32LittleEndian(first4);
        int big = BinaryPrimitives.ReadInt32BigEndian(first4);
        return (little, big) switch
        {
            (NiftiHeader.Nifti1HeaderSize, _) => (1, false),
            (_, NiftiHeader.Nifti1HeaderSize) => (1, true),
            (NiftiHeader.Nifti2HeaderSize, _) => (2, false),
            (_, NiftiHeader.Nifti2HeaderSize) => (2, true),
            _ => throw new ImageFormatException(path,
                $"not a NIfTI file: sizeof_hdr is {little} (expected 348 for NIfTI-1 or 540 for NIfTI-2)"),
        };
    }

    public static NiftiHeader Parse(ReadOnlySpan<byte> header, string path)
    {
        var (version, bigEndian) = DetectVersion(header, path);
        int size = version == 1 ? NiftiHeader.Nifti1HeaderSize : NiftiHeader.Nifti2HeaderSize;
        if (header.Length < size)
            throw new ImageFormatException(path, $"file ends inside the {size}-byte NIfTI-{version} header ({header.Length} bytes)");
        var r = new FieldReader(header[..size], bigEndian);
        var parsed = version == 1 ? ParseNifti1(r, bigEndian) : ParseNifti2(r, bigEndian);
        CheckMagic(parsed, path);
        return parsed;
    }

    private static NiftiHeader ParseNifti1(FieldReader r, bool bigEndian)
    {
        var dim = new long[8];
        var pixdim = new double[8];
        for (int n = 0; n < 8; n++)
        {
            dim[n] = r.Int16(40 + 2 * n);
            pixdim[n] = r.Float32(76 + 4 * n);
        }
        var srow = new double[12];
        for (int n = 0; n < 12; n++) srow[n] = r.Float32(280 + 4 * n);
        return new NiftiHeader
        {
            Version = 1,
            BigEndian = bigEndian,
            Dim = dim,
            DataTypeCode = r.Int16(70),
            BitPix = r.Int16(72),
            PixDim = pixdim,
            VoxOffset = VoxOffsetFromFloat(r.Float32(108)),
            SclSlope = r.Float32(112),
            SclInter = r.Float32(116),
            XyztUnits = r.Byte(123),
            Description = r.Text(148, 80),
            QFormCode = r.Int16(252),
            SFormCode = r.Int16(254),
            Quaternion = (r.Float32(256), r.Float32(260), r.Float32(264)),
            QOffset = new Vec3(r.Float32(268), r.Float32(272), r.Float32(276)),
            SRow = srow,
            Magic = r.Text(344, 4),
        };
    }

    private static NiftiHeader ParseNifti2(FieldReader r, bool bigEndian)
    {
        var dim = new long[8];
        var pixdim = new double[8];
        for (int n = 0; n < 8; n++)
        {
            dim[n] = r.Int64(16 + 8 * n);
            pixdim[n] = r.Float64(104 + 8 * n);
        }
        var srow = new double[12];
        for (int n = 0; n < 12; n++) srow[n] = r.Float64(400 + 8 * n);
        return new NiftiHeader
        {
            Version = 2,
            BigEndian = bigEndian,
            Magic = r.Text(4, 4),
            DataTypeCode = r.Int16(12),
            BitPix = r.Int16(14),
            Dim = dim,
            PixDim = pixdim,
            VoxOffset = r.Int64(168),
            SclSlope = r.Float64(176),
            SclInter = r.Float64(184),
            Description = r.Text(240, 80),
            QFormCode = r.Int32(344),
            SFormCode = r.Int32(348),
            Quaternion = (r.Float64(352), r.Float64(360), r.Float64(368)),
            QOffset = new Vec3(r.Float64(376), r.Float64(384), r.Float64(392)),
            SRow = srow,
            XyztUnits = r.Int32(500),
        };
    }

    /// <summary>NIfTI-1 stores vox_offset as a float; anything but a whole non-negative number is corrupt.</summary>
    private static long VoxOffsetFromFloat(double value) =>
        double.IsFinite(value) && value >= 0 && value == Math.Floor(value) && value < long.MaxValue ? (long)value : -1;

    private static void CheckMagic(NiftiHeader h, string path)
    {
        string expectedSingle = h.Version == 1 ? "n+1" : "n+2";
        string expectedPair = h.Version == 1 ? "ni1" : "ni2";
        if (h.Magic == expectedSingle) return;
        if (h.Magic == expectedPair)
            throw new ImageFormatException(path,
                $"NIfTI-{h.Version} pair header (magic '{expectedPair}'): the voxels are in a separate .img file, which is not supported; convert to a single .nii file");
        throw new ImageFormatException(path,
            $"not a NIfTI file: magic is '{Printable(h.Magic)}' (expected '{expectedSingle}')");
    }

    private static string Printable(string s) =>
        new(s.Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray());

    /// <summary>Reads header fields at fixed offsets in the file's byte order.</summary>
    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;

        public byte Byte(int at) => _bytes[at];

        public short Int16(int at) => bigEndian
            ? BinaryPrimitives.ReadInt16BigEndian(_bytes[at..]) : BinaryPrimitives.ReadInt16LittleEndian(_bytes[at..]);

        public int Int32(int at) => bigEndian
            ? BinaryPrimitives.ReadInt32BigEndian(_bytes[at..]) : BinaryPrimitives.ReadInt32LittleEndian(_bytes[at..]);

        public long Int64(int at) => bigEndian
            ? BinaryPrimitives.ReadInt64BigEndian(_bytes[at..]) : BinaryPrimitives.ReadInt64LittleEndian(_bytes[at..]);

        public double Float32(int at) => bigEndian
            ? BinaryPrimitives.ReadSingleBigEndian(_bytes[at..]) : BinaryPrimitives.ReadSingleLittleEndian(_bytes[at..]);

        public double Float64(int at) => bigEndian
            ? BinaryPrimitives.ReadDoubleBigEndian(_bytes[at..]) : BinaryPrimitives.ReadDoubleLittleEndian(_bytes[at..]);

        /// <summary>A fixed-width C string field, cut at the first NUL.</summary>
        public string Text(int at, int length)
        {
            var field = _bytes.Slice(at, length);
            int end = field.IndexOf((byte)0);
            return Encoding.Latin1.GetString(end < 0 ? field : field[..end]);
        }
    }
}
