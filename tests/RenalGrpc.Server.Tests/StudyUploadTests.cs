using Grpc.Core;
using K4os.Compression.LZ4;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;
using ZstdSharp;

namespace RenalGrpc.Server.Tests;

/// <summary>Successful uploads, content addressing and study bookkeeping against one server.</summary>
public sealed class StudyUploadTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FourPhaseStudyRoundTripsItsDescriptors()
    {
        var phases = SyntheticStudy.FourPhases(seed: 10);
        var response = await _server.UploadAsync(SyntheticStudy.Upload(phases));

        Assert.False(response.AlreadyStored);
        Assert.Matches("^[0-9a-f]{32}$", response.StudyId);
        Assert.Equal(4, response.Phases.Count);
        Assert.All(response.Phases, p => Assert.Equal(p.Descriptor_.ByteLength, p.BytesReceived));

        var study = await _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = response.StudyId });
        Assert.Equal(phases.Select(p => p.Descriptor), study.Phases);
        Assert.Equal((ulong)phases.Sum(p => p.Bytes.Length), study.TotalBytes);
        Assert.True(study.ExpiresAt.ToDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));
        Assert.Equal(0u, study.SegmentationRevision);

        // Chunks sent in reverse phase order and header listing phases out of order give the same id.
        var shuffled = new List<UploadStudyRequest> { SyntheticStudy.Header(phases.Reverse().ToArray()) };
        shuffled.AddRange(phases.Reverse().SelectMany(p => SyntheticStudy.Chunks(p, 10_000).Reverse()));
        var again = await _server.UploadAsync(shuffled);
        Assert.Equal(response.StudyId, again.StudyId);
        Assert.True(again.AlreadyStored);
    }

    [Fact]
    public async Task IdenticalContentIsStoredOnceAndFindStudySeesIt()
    {
        var phases = new[] { SyntheticStudy.Phase(Phase.A, seed: 21), SyntheticStudy.Phase(Phase.P, seed: 22) };
        var find = new FindStudyRequest { Phases = { phases.Select(p => p.Descriptor) } };
        Assert.False((await _server.Studies.FindStudyAsync(find)).Found);

        var first = await _server.UploadAsync(SyntheticStudy.Upload(phases));
        var memoryAfterFirst = _server.MemoryUsedBytes;
        var second = await _server.UploadAsync(SyntheticStudy.Upload(phases));
        // Only the header: the server answers from the descriptors alone.
        var headerOnly = await _server.UploadAsync([SyntheticStudy.Header(phases)]);

        Assert.False(first.AlreadyStored);
        Assert.True(second.AlreadyStored);
        Assert.True(headerOnly.AlreadyStored);
        Assert.Equal(first.StudyId, second.StudyId);
        Assert.Equal(memoryAfterFirst, _server.MemoryUsedBytes);

        var found = await _server.Studies.FindStudyAsync(find);
        Assert.True(found.Found);
        Assert.Equal(first.StudyId, found.Study.StudyId);

        var list = await _server.Studies.ListStudiesAsync(new ListStudiesRequest());
        Assert.Contains(list.Studies, s => s.StudyId == first.StudyId);
        Assert.Equal((ulong)_server.MemoryUsedBytes, list.MemoryUsedBytes);

        Assert.True((await _server.Studies.DeleteStudyAsync(new DeleteStudyRequest { StudyId = first.StudyId })).Deleted);
        Assert.False((await _server.Studies.DeleteStudyAsync(new DeleteStudyRequest { StudyId = first.StudyId })).Deleted);
        Assert.False((await _server.Studies.FindStudyAsync(find)).Found);
        Assert.Equal(memoryAfterFirst - phases.Sum(p => p.Bytes.Length), _server.MemoryUsedBytes);
    }

    [Fact]
    public async Task DifferentGeometryGivesADifferentStudy()
    {
        var a = SyntheticStudy.Phase(Phase.P, seed: 30);
        var b = SyntheticStudy.Phase(Phase.P, seed: 30, direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1]);
        var first = await _server.UploadAsync(SyntheticStudy.Upload(a));
        var second = await _server.UploadAsync(SyntheticStudy.Upload(b));
        Assert.NotEqual(first.StudyId, second.StudyId);
        Assert.False(second.AlreadyStored);
    }

    [Fact]
    public async Task ZstdAndLz4ChunksDecompressIntoPlace()
    {
        var zstdPhase = SyntheticStudy.Phase(Phase.N, 64, 64, 16, seed: 40);
        var lz4Phase = SyntheticStudy.Phase(Phase.A, 64, 64, 16, seed: 41);
        using var compressor = new Compressor(3);
        var messages = new List<UploadStudyRequest> { SyntheticStudy.Header(zstdPhase, lz4Phase) };
        messages.AddRange(SyntheticStudy.Chunks(zstdPhase, 50_000, b => compressor.Wrap(b).ToArray(), Compression.Zstd));
        messages.AddRange(SyntheticStudy.Chunks(lz4Phase, 50_000, EncodeLz4, Compression.Lz4));

        var response = await _server.UploadAsync(messages);

        Assert.False(response.AlreadyStored);
        var wireBytes = messages.Where(m => m.Chunk is not null).Sum(m => m.Chunk.Data.Length);
        Assert.Equal((ulong)wireBytes, response.Phases.Aggregate(0UL, (s, p) => s + p.BytesReceived));
        Assert.True(response.Phases.All(p => p.BytesReceived < p.Descriptor_.ByteLength), "compressed sizes are reported");
        // The hashes were checked server-side against the uncompressed bytes; the same content uncompressed is a dedupe hit.
        Assert.True((await _server.UploadAsync(SyntheticStudy.Upload(zstdPhase, lz4Phase))).AlreadyStored);
    }

    [Fact]
    public async Task UnknownStudyIsNotFoundAndUnanalysedStudyHasNoSegmentation()
    {
        var missing = await RpcAssert.FailsWith(StatusCode.NotFound,
            () => _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = "0123456789abcdef0123456789abcdef" }).ResponseAsync);
        Assert.Equal("STUDY_NOT_FOUND", RpcAssert.Reason(missing));

        await RpcAssert.FailsWith(StatusCode.NotFound, async () =>
        {
            using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = "nope" });
            await call.ResponseStream.MoveNext();
        });

        var stored = await _server.UploadAsync(SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.D, seed: 50)));
        // This server has no model: Analyze of a known study is UNAVAILABLE (see AnalyzeTests for the rest).
        var unavailable = await RpcAssert.FailsWith(StatusCode.Unavailable, async () =>
        {
            using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = stored.StudyId });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal("MODEL_NOT_LOADED", RpcAssert.Reason(unavailable));

        var notAnalysed = await RpcAssert.FailsWith(StatusCode.FailedPrecondition, async () =>
        {
            using var call = _server.Analysis.GetSegmentation(new GetSegmentationRequest { StudyId = stored.StudyId });
            await call.ResponseStream.MoveNext();
        });
        Assert.Contains("run Analyze first", notAnalysed.Status.Detail);
        await RpcAssert.FailsWith(StatusCode.NotFound, async () =>
        {
            using var call = _server.Analysis.SubmitEdit();
            await call.RequestStream.WriteAsync(new SubmitEditRequest { Header = new EditHeader { StudyId = "nope" } });
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
    }

    [Fact]
    public async Task AMegabyteStudyIdIsNotFoundWithAShortMessage()
    {
        // The id used to be echoed whole: a 16 KiB status trailer the client refused to read
        // (RESOURCE_EXHAUSTED "received initial metadata size exceeds limit") instead of NOT_FOUND.
        var id = new string('x', 1 << 20) + "\n";
        var e = await RpcAssert.FailsWith(StatusCode.NotFound, () => _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = id }).ResponseAsync);
        Assert.Equal("STUDY_NOT_FOUND", RpcAssert.Reason(e));
        Assert.Equal($"study '{new string('x', 40)}...' (1048577 characters) is not stored: a study id is the 32 lowercase hexadecimal characters UploadStudy returns",
            e.Status.Detail);
        await RpcAssert.FailsWith(StatusCode.NotFound, async () =>
        {
            using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = "bad\nid" });
            await call.ResponseStream.MoveNext();
        });
    }

    private static byte[] EncodeLz4(byte[] source)
    {
        var target = new byte[LZ4Codec.MaximumOutputSize(source.Length)];
        var written = LZ4Codec.Encode(source, target, LZ4Level.L00_FAST);
        return target[..written];
    }
}
