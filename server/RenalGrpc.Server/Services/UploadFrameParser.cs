using System.Buffers;
using Grpc.Core;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// Reads an UploadStudyRequest straight from the received bytes. The common message, a chunk with
/// each of its five fields at most once, is decoded here so its data is copied once into a pooled
/// buffer; anything else (the header, unknown or repeated fields, odd wire types) goes through the
/// generated parser, so the protobuf semantics stay exactly those of the contract.
/// </summary>
internal static class UploadFrameParser
{
    private const int VarintType = 0;
    private const int LengthType = 2;

    public static UploadFrame Parse(DeserializationContext context) => Parse(context.PayloadAsReadOnlySequence());

    internal static UploadFrame Parse(in ReadOnlySequence<byte> payload) =>
        TryParseChunk(payload) ?? FromGenerated(V1.UploadStudyRequest.Parser.ParseFrom(payload));

    internal static UploadFrame FromGenerated(V1.UploadStudyRequest message) => message.PayloadCase switch
    {
        V1.UploadStudyRequest.PayloadOneofCase.Header => UploadFrame.FromHeader(message.Header),
        V1.UploadStudyRequest.PayloadOneofCase.Chunk => UploadFrame.FromChunk((int)message.Chunk.Phase, message.Chunk.Offset,
            new ReadOnlySequence<byte>(message.Chunk.Data.Memory), (int)message.Chunk.Compression, message.Chunk.UncompressedLength),
        _ => UploadFrame.Empty(),
    };

    /// <summary>The chunk, or null when the message is not exactly "field 2 = a plain VolumeChunk".</summary>
    internal static UploadFrame? TryParseChunk(in ReadOnlySequence<byte> payload)
    {
        var outer = new SequenceReader<byte>(payload);
        if (!TryReadVarint(ref outer, out var tag) || tag != (2 << 3 | LengthType)) return null;
        if (!TryReadLength(ref outer, out var chunkLength) || outer.Remaining != chunkLength) return null;

        var reader = new SequenceReader<byte>(payload.Slice(outer.Position));
        ulong phase = 0, offset = 0, compression = 0, uncompressed = 0;
        var data = ReadOnlySequence<byte>.Empty;
        var seen = 0;
        while (!reader.End)
        {
            if (!TryReadVarint(ref reader, out tag)) return null;
            var field = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (field is < 1 or > 5 || (seen & (1 << field)) != 0) return null;
            seen |= 1 << field;
            if (field == 3)
            {
                if (wireType != LengthType || !TryReadLength(ref reader, out var length) || reader.Remaining < length) return null;
                data = reader.UnreadSequence.Slice(0, length);
                reader.Advance(length);
                continue;
            }

            if (wireType != VarintType || !TryReadVarint(ref reader, out var value)) return null;
            switch (field)
            {
                case 1: phase = value; break;
                case 2: offset = value; break;
                case 4: compression = value; break;
                default: uncompressed = value; break;
            }
        }

        // Enums and uint32 take the low 32 bits of the varint, as the generated parser does.
        return UploadFrame.FromChunk((int)phase, offset, data, (int)compression, (uint)uncompressed);
    }

    private static bool TryReadLength(ref SequenceReader<byte> reader, out long length)
    {
        length = 0;
        if (!TryReadVarint(ref reader, out var value) || value > int.MaxValue) return false;
        length = (long)value;
        return true;
    }

    private static bool TryReadVarint(ref SequenceReader<byte> reader, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (!reader.TryRead(out var b)) return false;
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }

        return false; // more than 10 bytes: malformed; the generated parser reports it
    }
}
