using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Reflection.V1Alpha;
using RenalGrpc.Server.Services;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>
/// The fast upload path: UploadStudy bound with its own chunk reader (pooled buffers), SHA-256 computed
/// while chunks arrive. The contract must not notice: same bytes, same statuses, same reflection.
/// </summary>
public sealed class UploadReceivePathTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, byte[]> ChunkEncodings()
    {
        var plain = new UploadStudyRequest { Chunk = new VolumeChunk { Phase = Phase.P, Offset = 3 << 20, Data = ByteString.CopyFrom(Bytes(5000)) } };
        var compressed = new UploadStudyRequest { Chunk = new VolumeChunk { Phase = Phase.D, Offset = 77, Data = ByteString.CopyFrom(Bytes(300)), Compression = Compression.Zstd, UncompressedLength = 9000 } };
        var empty = new UploadStudyRequest { Chunk = new VolumeChunk() };
        var header = new UploadStudyRequest { Header = new UploadHeader { Phases = { new VolumeDescriptor { Phase = Phase.N, ByteLength = 10 } } } };
        // Hand-made encodings the fast reader must hand to the generated parser: an unknown field, a
        // repeated scalar (last one wins), fields in reverse order, a negative enum (10-byte varint).
        var unknown = Concat(plain.ToByteArray(), [0xA0, 0x01, 0x05]); // outer field 20, varint 5
        var inner = Concat(new VolumeChunk { Offset = 5 }.ToByteArray(), new VolumeChunk { Offset = 9, Data = ByteString.CopyFrom(Bytes(10)) }.ToByteArray());
        var repeated = Concat([0x12, (byte)inner.Length], inner);
        var reversedInner = Concat(new VolumeChunk { UncompressedLength = 12 }.ToByteArray(), new VolumeChunk { Data = ByteString.CopyFrom(Bytes(12)) }.ToByteArray(), new VolumeChunk { Phase = Phase.A }.ToByteArray());
        var reversed = Concat([0x12, (byte)reversedInner.Length], reversedInner);
        var negativeInner = new byte[] { 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 };
        var negative = Concat([0x12, (byte)negativeInner.Length], negativeInner);
        return new TheoryData<string, byte[]>
        {
            { "plain", plain.ToByteArray() },
            { "compressed", compressed.ToByteArray() },
            { "empty chunk", empty.ToByteArray() },
            { "header", header.ToByteArray() },
            { "no payload", [] },
            { "unknown outer field", unknown },
            { "repeated field", repeated },
            { "reversed fields", reversed },
            { "negative enum", negative },
        };
    }

    [Theory]
    [MemberData(nameof(ChunkEncodings))]
    public void ChunkReaderAgreesWithTheGeneratedParser(string name, byte[] encoded)
    {
        var expected = UploadStudyRequest.Parser.ParseFrom(encoded);
        foreach (var sequence in new[] { new ReadOnlySequence<byte>(encoded), Fragmented(encoded, 3) })
        {
            using var frame = UploadFrameParser.Parse(sequence);
            if (name is "plain" or "compressed")
            {
                using var fast = UploadFrameParser.TryParseChunk(sequence);
                Assert.NotNull(fast); // the common chunk must not fall back to the allocating parser
            }

            Assert.Equal((int)expected.PayloadCase, (int)frame.Payload);
            if (expected.PayloadCase != UploadStudyRequest.PayloadOneofCase.Chunk) continue;
            var c = expected.Chunk;
            Assert.True((int)c.Phase == frame.Chunk.Phase, name);
            Assert.Equal(c.Offset, frame.Chunk.Offset);
            Assert.Equal((int)c.Compression, frame.Chunk.Compression);
            Assert.Equal(c.UncompressedLength, frame.Chunk.UncompressedLength);
            Assert.Equal(c.Data.ToByteArray(), frame.Chunk.Data.ToArray());
        }
    }

    [Fact]
    public async Task PhasesLargerThanAHashSliceAreStoredAndACorruptByteIsCaught()
    {
        // 3 x 512 x 512 int16 = 1.5 MiB per slice of k; 4 slices = 6 MiB, more than one 4 MiB hash slice.
        var phase = SyntheticStudy.Phase(Phase.N, 512, 512, 4, seed: 31);
        var stored = await _server.UploadAsync(SyntheticStudy.Upload(phase));
        Assert.False(stored.AlreadyStored);
        Assert.Equal(phase.Descriptor.ByteLength, stored.Phases[0].BytesReceived);

        var other = SyntheticStudy.Phase(Phase.N, 512, 512, 4, seed: 32);
        var messages = SyntheticStudy.Upload(other);
        var late = messages.Last(m => m.Chunk?.Offset < 5UL << 20);
        var bytes = late.Chunk.Data.ToByteArray();
        bytes[^7] ^= 0x40;
        late.Chunk.Data = ByteString.CopyFrom(bytes);
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => _server.UploadAsync(messages));
        Assert.Equal("SHA256_MISMATCH", RpcAssert.Reason(e));
        Assert.True(await RunningServer.EventuallyAsync(() => _server.MemoryUsedBytes == (long)phase.Descriptor.ByteLength));
    }

    [Fact]
    public async Task ChunksOutOfOrderAndInterleavedAreHashedOnceComplete()
    {
        var phases = new[] { SyntheticStudy.Phase(Phase.N, 512, 256, 10, seed: 41), SyntheticStudy.Phase(Phase.A, 512, 256, 9, seed: 42) };
        var n = SyntheticStudy.Chunks(phases[0], 300_000).Reverse().ToList();
        var a = SyntheticStudy.Chunks(phases[1], 256 * 1024).ToList();
        var messages = new List<UploadStudyRequest> { SyntheticStudy.Header(phases) };
        for (var i = 0; i < Math.Max(n.Count, a.Count); i++)
        {
            if (i < a.Count) messages.Add(a[i]);
            if (i < n.Count) messages.Add(n[i]);
        }

        var response = await _server.UploadAsync(messages);
        Assert.False(response.AlreadyStored);
        var inOrder = await _server.Studies.FindStudyAsync(new FindStudyRequest { Phases = { phases.Select(p => p.Descriptor) } });
        Assert.True(inOrder.Found);
        Assert.Equal(response.StudyId, inOrder.Study.StudyId);
    }

    [Fact]
    public async Task ReflectionStillDescribesUploadStudy()
    {
        var reflection = new ServerReflection.ServerReflectionClient(_server.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "renal.v1.StudyService" });
        await call.RequestStream.CompleteAsync();
        var responses = new List<ServerReflectionResponse>();
        await foreach (var r in call.ResponseStream.ReadAllAsync()) responses.Add(r);

        var services = responses[0].ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Equal(1, services.Count(s => s == "renal.v1.StudyService"));
        var files = responses[1].FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b));
        var study = files.SelectMany(f => f.Service).Single(s => s.Name == "StudyService");
        Assert.Contains(study.Method, m => m.Name == "UploadStudy" && m.ClientStreaming);
    }

    private static byte[] Bytes(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3))];

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    /// <summary>The same bytes in segments of <paramref name="size"/>, like a pipe hands them over.</summary>
    private static ReadOnlySequence<byte> Fragmented(byte[] bytes, int size)
    {
        if (bytes.Length == 0) return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var segment = new Segment(bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset)), offset);
            if (first is null) first = segment;
            else last!.SetNext(segment);
            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
