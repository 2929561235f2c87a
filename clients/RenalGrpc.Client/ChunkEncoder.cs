using Google.Protobuf;
using K4os.Compression.LZ4;
using ZstdSharp;

namespace RenalGrpc.Client;

/// <summary>
/// Turns a slice of a volume buffer into a chunk's data. Uncompressed chunks wrap the caller's
/// buffer without copying (the buffer must not change until the upload ends); compressed chunks
/// are compressed into a scratch buffer and copied once, at their (smaller) compressed size.
/// </summary>
internal sealed class ChunkEncoder : IDisposable
{
    // Level 1: the link, not the ratio, is the goal; higher levels cost 2-4x the CPU for a few per cent.
    private const int ZstdLevel = 1;

    private readonly ChunkCompression _compression;
    private readonly Compressor? _zstd;
    private readonly byte[] _scratch;

    public ChunkEncoder(ChunkCompression compression, int maxChunkBytes)
    {
        _compression = compression;
        _zstd = compression == ChunkCompression.Zstd ? new Compressor(ZstdLevel) : null;
        _scratch = compression switch
        {
            ChunkCompression.Zstd => new byte[Compressor.GetCompressBound(maxChunkBytes)],
            ChunkCompression.Lz4 => new byte[LZ4Codec.MaximumOutputSize(maxChunkBytes)],
            _ => [],
        };
    }

    public ByteString Encode(byte[] buffer, int offset, int length)
    {
        var source = new ReadOnlySpan<byte>(buffer, offset, length);
        switch (_compression)
        {
            case ChunkCompression.None:
                return UnsafeByteOperations.UnsafeWrap(new ReadOnlyMemory<byte>(buffer, offset, length));
            case ChunkCompression.Zstd:
                return ByteString.CopyFrom(_scratch, 0, _zstd!.Wrap(source, _scratch));
            case ChunkCompression.Lz4:
                int written = LZ4Codec.Encode(source, _scratch, LZ4Level.L00_FAST);
                if (written <= 0) throw new InvalidOperationException($"LZ4 could not compress a chunk of {length} bytes");
                return ByteString.CopyFrom(_scratch, 0, written);
            default:
                throw new ArgumentOutOfRangeException(nameof(_compression), _compression, "unknown compression");
        }
    }

    public void Dispose() => _zstd?.Dispose();
}
