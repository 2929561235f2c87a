using System.Buffers;
using Grpc.Core;
using RenalGrpc.Server.Storage;
using V1 = RenalGrpc.V1;

namespace RenalGrpc.Server.Services;

/// <summary>
/// One UploadStudyRequest as the upload handler sees it: the header, or a chunk whose data sits in a
/// rented buffer instead of a fresh 1 MiB array. The generated parser allocates a new byte[] per
/// chunk; 400 of them per study were zeroed, collected and re-faulted in, and their garbage was most
/// of the server's memory above the stored bytes. <see cref="Dispose"/> returns the buffer.
/// </summary>
public sealed class UploadFrame : IDisposable
{
    private byte[]? _rented;

    private UploadFrame(V1.UploadStudyRequest.PayloadOneofCase payload) => Payload = payload;

    public V1.UploadStudyRequest.PayloadOneofCase Payload { get; }

    /// <summary>Set when <see cref="Payload"/> is Header.</summary>
    public V1.UploadHeader? Header { get; private init; }

    /// <summary>Set when <see cref="Payload"/> is Chunk; its data is valid until <see cref="Dispose"/>.</summary>
    public ChunkInput Chunk { get; private init; }

    /// <summary>The method descriptor of renal.v1.StudyService/UploadStudy with requests read as frames.</summary>
    public static Method<UploadFrame, V1.UploadStudyResponse> Method { get; } = new(
        MethodType.ClientStreaming,
        V1.StudyService.Descriptor.FullName,
        "UploadStudy",
        Marshallers.Create(SerializeUnsupported, UploadFrameParser.Parse),
        Marshallers.Create(SerializeResponse, c => V1.UploadStudyResponse.Parser.ParseFrom(c.PayloadAsReadOnlySequence())));

    internal static UploadFrame FromHeader(V1.UploadHeader header) =>
        new(V1.UploadStudyRequest.PayloadOneofCase.Header) { Header = header };

    internal static UploadFrame Empty() => new(V1.UploadStudyRequest.PayloadOneofCase.None);

    /// <summary>A chunk whose data is copied from <paramref name="data"/> into a pooled buffer.</summary>
    internal static UploadFrame FromChunk(int phase, ulong offset, in ReadOnlySequence<byte> data, int compression, uint uncompressedLength)
    {
        var length = checked((int)data.Length);
        var rented = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        data.CopyTo(rented);
        return new UploadFrame(V1.UploadStudyRequest.PayloadOneofCase.Chunk)
        {
            _rented = rented,
            Chunk = new ChunkInput(phase, offset, rented.AsMemory(0, length), compression, uncompressedLength),
        };
    }

    public void Dispose()
    {
        var rented = Interlocked.Exchange(ref _rented, null);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
    }

    // The server only reads requests; nothing ever writes an UploadFrame.
    private static void SerializeUnsupported(UploadFrame frame, SerializationContext context) =>
        throw new NotSupportedException("upload frames are only parsed, never sent");

    private static void SerializeResponse(V1.UploadStudyResponse response, SerializationContext context)
    {
        context.SetPayloadLength(response.CalculateSize());
        Google.Protobuf.MessageExtensions.WriteTo(response, context.GetBufferWriter());
        context.Complete();
    }
}
