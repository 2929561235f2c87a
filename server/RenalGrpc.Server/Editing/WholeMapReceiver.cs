using System.Security.Cryptography;
using Grpc.Core;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Editing;

/// <summary>
/// Reads a whole label map sent after a whole_label_map header: chunks strictly in order (each
/// offset = bytes so far, no gaps or overlaps), compressed or not, exactly byte_length bytes, and
/// the SHA-256 the header promised.
/// </summary>
internal static class WholeMapReceiver
{
    public static async Task<byte[]> ReadAsync(V1.WholeLabelMapEdit header, long voxelCount, IAsyncStreamReader<V1.SubmitEditRequest> requestStream, CancellationToken ct)
    {
        if (header.ByteLength != (ulong)voxelCount)
        {
            throw StudyRequestException.Invalid("header.whole_label_map.byte_length",
                $"byte_length {header.ByteLength} != {voxelCount} voxels of the reference grid (one uint8 label per voxel)", "LENGTH_MISMATCH");
        }

        if (header.Sha256.Length != SHA256.HashSizeInBytes)
        {
            throw StudyRequestException.Invalid("header.whole_label_map.sha256", "sha256 must be 32 bytes", "BAD_SHA256");
        }

        var labels = new byte[voxelCount];
        long received = 0;
        using var decoder = new ChunkDecoder();
        while (await requestStream.MoveNext(ct))
        {
            var message = requestStream.Current;
            if (message.PayloadCase != V1.SubmitEditRequest.PayloadOneofCase.Chunk)
            {
                throw StudyRequestException.Invalid("header", "only one EditHeader per edit; the rest must be chunks", "SECOND_HEADER");
            }

            var chunk = message.Chunk;
            var input = new ChunkInput((int)chunk.Phase, chunk.Offset, chunk.Data.Memory, (int)chunk.Compression, chunk.UncompressedLength);
            if (chunk.Offset != (ulong)received)
            {
                throw StudyRequestException.Invalid("chunk.offset", $"chunk offset {chunk.Offset} but {received} bytes came before it; send chunks in order", "CHUNK_OUT_OF_ORDER");
            }

            var length = ChunkDecoder.UncompressedLength(input);
            if (received + length > voxelCount)
            {
                throw StudyRequestException.Invalid("chunk.data", $"the chunks hold more than byte_length {voxelCount} bytes", "TOO_MUCH_DATA");
            }

            decoder.Write(input, labels.AsSpan((int)received, length));
            received += length;
        }

        if (received != voxelCount)
        {
            throw StudyRequestException.Invalid("chunk", $"the label map ended after {received} of {voxelCount} bytes", "INCOMPLETE_LABEL_MAP");
        }

        if (!SHA256.HashData(labels).AsSpan().SequenceEqual(header.Sha256.Span))
        {
            throw StudyRequestException.Invalid("header.whole_label_map.sha256", "the label map's SHA-256 does not match the header's", "SHA256_MISMATCH");
        }

        return labels;
    }
}
