using System.Buffers;
using System.Runtime.InteropServices;
using gdcm;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>Where decoded slices go: the output volume's voxel buffer, one slice after another.</summary>
internal sealed class SliceDestination(byte[] buffer, VoxelType voxelType, int pixelsPerSlice)
{
    public VoxelType VoxelType { get; } = voxelType;
    public int PixelsPerSlice { get; } = pixelsPerSlice;

    public Span<short> Int16Slice(int k) => MemoryMarshal.Cast<byte, short>(buffer.AsSpan()).Slice(k * PixelsPerSlice, PixelsPerSlice);
    public Span<float> Float32Slice(int k) => MemoryMarshal.Cast<byte, float>(buffer.AsSpan()).Slice(k * PixelsPerSlice, PixelsPerSlice);
}

/// <summary>
/// Decodes one file with GDCM (every transfer syntax GDCM supports) and writes the requested
/// frames, rescaled, into their slices of the output volume. Also repairs what GDCM leaves
/// undone: it does not sign-extend narrow signed samples, zero-fills truncated pixel data and
/// returns the 32-bit samples of big-endian files half-swapped.
/// </summary>
internal static class DicomPixelDecoder
{
    /// <summary>Returns false when int16 output was asked for but a value does not fit it.</summary>
    public static bool Decode(DicomFileHeader header, IReadOnlyList<(DicomFrame Frame, int Slice)> targets, SliceDestination destination)
    {
        using var reader = new ImageReader();
        reader.SetFileName(header.Path);
        if (!reader.Read()) throw new ImageFormatException(header.Path, "GDCM could not read the image (unreadable header or pixel data)");
        var image = reader.GetImage();
        var layout = CheckImage(header, image);
        long pixelsPerFrame = (long)header.Rows * header.Columns;
        var transferSyntax = image.GetTransferSyntax();
        if (!transferSyntax.IsEncapsulated()) CheckNativeLength(header, image, layout.TotalBytes(pixelsPerFrame, header.NumberOfFrames));

        long length = image.GetBufferLength();
        if (length < layout.TotalBytes(pixelsPerFrame, header.NumberOfFrames) || length > Array.MaxLength)
            throw new ImageFormatException(header.Path, $"GDCM reports {length} bytes of decoded pixels, which does not match {header.Columns}x{header.Rows}x{header.NumberOfFrames} {layout}");
        var raw = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            if (!image.GetBuffer(raw))
                throw new ImageFormatException(header.Path, $"GDCM could not decode the pixel data (transfer syntax {transferSyntax.GetString()?.Trim('\0', ' ')})");
            var decoded = raw.AsSpan(0, (int)length);
            if (header.BigEndian && layout.BitsAllocated == 32) SwapHalfWords(decoded);
            foreach (var (frame, slice) in targets)
            {
                if (!WriteFrame(decoded, frame, slice, layout, pixelsPerFrame, destination)) return false;
            }
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static bool WriteFrame(ReadOnlySpan<byte> decoded, DicomFrame frame, int slice, StoredSampleLayout layout, long pixelsPerFrame, SliceDestination destination)
    {
        // 1-bit frames are bit offsets into the whole buffer; wider ones are byte ranges.
        var source = layout.BitsAllocated == 1
            ? decoded
            : decoded.Slice((int)(frame.FrameIndex * layout.FrameBytes(pixelsPerFrame)), (int)layout.FrameBytes(pixelsPerFrame));
        long firstPixel = frame.FrameIndex * pixelsPerFrame;
        if (destination.VoxelType == VoxelType.Int16)
        {
            return SampleConversion.ToInt16(source, firstPixel, layout, (long)frame.Slope, (long)frame.Intercept, destination.Int16Slice(slice));
        }
        SampleConversion.ToFloat32(source, firstPixel, layout, frame.Slope, frame.Intercept, destination.Float32Slice(slice));
        return true;
    }

    private static StoredSampleLayout CheckImage(DicomFileHeader header, Image image)
    {
        uint frames = image.GetNumberOfDimensions() > 2 ? image.GetDimension(2) : 1;
        if (image.GetDimension(0) != header.Columns || image.GetDimension(1) != header.Rows || frames != header.NumberOfFrames)
        {
            throw new ImageFormatException(header.Path,
                $"GDCM decodes {image.GetDimension(0)}x{image.GetDimension(1)}x{frames} pixels, the header says {header.Columns}x{header.Rows}x{header.NumberOfFrames}");
        }
        var format = image.GetPixelFormat();
        if (format.GetSamplesPerPixel() != 1)
            throw new ImageFormatException(header.Path, $"has {format.GetSamplesPerPixel()} samples per pixel (colour); only greyscale images can form a volume");
        int bitsAllocated = format.GetBitsAllocated();
        if (bitsAllocated is not (1 or 8 or 16 or 32))
            throw new ImageFormatException(header.Path, $"BitsAllocated {bitsAllocated} is not supported (1, 8, 16 or 32)");
        if (format.GetScalarType() is PixelFormat.ScalarType.FLOAT16 or PixelFormat.ScalarType.FLOAT32 or PixelFormat.ScalarType.FLOAT64)
            throw new ImageFormatException(header.Path, "floating-point pixel data is not supported");
        int bitsStored = format.GetBitsStored();
        int highBit = format.GetHighBit();
        if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated || highBit + 1 < bitsStored)
            throw new ImageFormatException(header.Path, $"inconsistent pixel format: BitsAllocated {bitsAllocated}, BitsStored {bitsStored}, HighBit {highBit}");
        return new StoredSampleLayout(bitsAllocated, bitsStored, highBit, format.GetPixelRepresentation() == 1);
    }

    private static void CheckNativeLength(DicomFileHeader header, Image image, long expectedBytes)
    {
        var value = image.GetDataElement()?.GetByteValue();
        if (value is null) throw new ImageFormatException(header.Path, "has no pixel data");
        long declared = value.GetLength().GetValueLength();
        if (declared < expectedBytes)
        {
            throw new ImageFormatException(header.Path,
                $"pixel data is truncated: {declared} bytes where {header.Columns}x{header.Rows}x{header.NumberOfFrames} pixels need {expectedBytes}");
        }
        PixelDataExtent.VerifyComplete(header.Path, declared, header.BigEndian);
    }

    /// <summary>GDCM swaps big-endian 32-bit samples as two 16-bit words; finish the job.</summary>
    private static void SwapHalfWords(Span<byte> data)
    {
        var words = MemoryMarshal.Cast<byte, uint>(data);
        for (int n = 0; n < words.Length; n++) words[n] = (words[n] >> 16) | (words[n] << 16);
    }
}
