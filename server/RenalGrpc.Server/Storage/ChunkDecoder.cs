using K4os.Compression.LZ4;
using ZstdSharp;

namespace RenalGrpc.Server.Storage;

/// <summary>Writes a chunk's bytes straight to their place in a phase buffer, decompressing in place when needed.</summary>
internal sealed class ChunkDecoder : IDisposable
{
    private Decompressor? _zstd;

    /// <summary>How many uncompressed bytes the chunk stands for; validates the compression fields.</summary>
    public static int UncompressedLength(in ChunkInput chunk)
    {
        switch ((ChunkCompression)chunk.Compression)
        {
            case ChunkCompression.None:
                if (chunk.UncompressedLength != 0 && chunk.UncompressedLength != chunk.Data.Length)
                {
                    throw StudyRequestException.Invalid("chunk.uncompressed_length", $"uncompressed_length {chunk.UncompressedLength} != data length {chunk.Data.Length} for an uncompressed chunk", "LENGTH_MISMATCH");
                }

                return chunk.Data.Length;
            case ChunkCompression.Zstd:
            case ChunkCompression.Lz4:
                if (chunk.UncompressedLength == 0)
                {
                    throw StudyRequestException.Invalid("chunk.uncompressed_length", "uncompressed_length is required for a compressed chunk", "MISSING_UNCOMPRESSED_LENGTH");
                }

                if (chunk.UncompressedLength > int.MaxValue)
                {
                    throw StudyRequestException.Invalid("chunk.uncompressed_length", "uncompressed_length is too large", "LENGTH_TOO_LARGE");
                }

                return (int)chunk.UncompressedLength;
            default:
                throw StudyRequestException.Invalid("chunk.compression", $"compression {chunk.Compression} is not supported (NONE, ZSTD, LZ4)", "UNSUPPORTED_COMPRESSION");
        }
    }

    public void Write(in ChunkInput chunk, Span<byte> destination)
    {
        var source = chunk.Data.Span;
        switch ((ChunkCompression)chunk.Compression)
        {
            case ChunkCompression.None:
                source.CopyTo(destination);
                break;
            case ChunkCompression.Zstd:
                WriteZstd(source, destination);
                break;
            case ChunkCompression.Lz4:
                var written = LZ4Codec.Decode(source, destination);
                if (written != destination.Length)
                {
                    throw Corrupt("LZ4", destination.Length);
                }

                break;
        }
    }

    private void WriteZstd(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        _zstd ??= new Decompressor();
        int written;
        try
        {
            written = _zstd.Unwrap(source, destination);
        }
        catch (ZstdException)
        {
            throw Corrupt("zstd", destination.Length);
        }

        if (written != destination.Length)
        {
            throw Corrupt("zstd", destination.Length);
        }
    }

    private static StudyRequestException Corrupt(string codec, int expected) =>
        StudyRequestException.Invalid("chunk.data", $"the {codec} data does not decompress to exactly uncompressed_length ({expected}) bytes", "CORRUPT_CHUNK");

    public void Dispose() => _zstd?.Dispose();
}
