using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>Analyze against the real server with the fake engine: streaming order, labels, report, queue, cancellation, model failures.</summary>
public sealed class AnalyzeTests : IAsyncLifetime
{
    private readonly FakeStudyAnalyzer _engine = new();
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartWithAnalyzerAsync(_engine, "--max-queue", "1");

    public async Task DisposeAsync()
    {
        _engine.Release();
        await _server.DisposeAsync();
    }

    // P is large enough for a label map of more than one 1 MiB chunk.
    private static readonly SyntheticPhase PhaseN = SyntheticStudy.Phase(Phase.N, 40, 32, 12, seed: 7);
    private static readonly SyntheticPhase PhaseP = SyntheticStudy.Phase(Phase.P, 128, 128, 70, seed: 8);

    private async Task<string> UploadAsync(params SyntheticPhase[] phases) => (await _server.UploadAsync(SyntheticStudy.Upload(phases))).StudyId;

    private static byte[] ExpectedLabels(SyntheticPhase phase) =>
        [.. MemoryMarshal.Cast<byte, short>(phase.Bytes).ToArray().Select(v => FakeStudyAnalyzer.LabelOf(v))];

    private static async Task<List<AnalyzeResponse>> ReadAllAsync(AsyncServerStreamingCall<AnalyzeResponse> call, CancellationToken ct = default)
    {
        var messages = new List<AnalyzeResponse>();
        await foreach (var m in call.ResponseStream.ReadAllAsync(ct))
        {
            messages.Add(m);
        }

        return messages;
    }

    [Fact]
    public async Task StreamsProgressThenSegmentationsThenOneDiagnosis()
    {
        var studyId = await UploadAsync(PhaseN, PhaseP);
        var memoryBefore = _server.MemoryUsedBytes;
        using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId, Options = new AnalyzeOptions { PerPhaseMasks = true } });
        var messages = await ReadAllAsync(call);

        // Order: progress (queued first), then header + chunks per grid, then exactly one diagnosis, last.
        Assert.Equal(Stage.Queued, messages[0].Progress.Stage);
        Assert.Equal(1u, messages[0].Progress.QueuePosition);
        var firstHeader = messages.FindIndex(m => m.PayloadCase == AnalyzeResponse.PayloadOneofCase.SegmentationHeader);
        Assert.True(firstHeader > 0);
        var stages = messages.Take(firstHeader).Select(m => m.Progress.Stage).ToList();
        Assert.Contains(Stage.Segmentation, stages);
        Assert.Contains(messages.Take(firstHeader), m => m.Progress.Stage == Stage.Segmentation && m.Progress.Phase == Phase.P);
        Assert.Equal(AnalyzeResponse.PayloadOneofCase.Diagnosis, messages[^1].PayloadCase);
        Assert.Single(messages, m => m.PayloadCase == AnalyzeResponse.PayloadOneofCase.Diagnosis);

        var grids = ReassembleGrids(messages);
        var reference = Assert.Single(grids, g => g.Header.IsReferenceGrid);
        Assert.Equal(Phase.P, reference.Header.GridPhase);
        Assert.Equal(PhaseP.Descriptor.Geometry, reference.Header.Geometry);
        Assert.Equal(VoxelType.Uint8, reference.Header.VoxelType);
        Assert.Equal(1u, reference.Header.Revision);
        Assert.Equal(ExpectedLabels(PhaseP), reference.Bytes);
        Assert.True(reference.Chunks > 1, "a 1.1 MB label map comes in more than one chunk");
        var perPhase = grids.Where(g => !g.Header.IsReferenceGrid).ToDictionary(g => g.Header.GridPhase);
        Assert.Equal([Phase.N, Phase.P], perPhase.Keys.Order());
        Assert.Equal(ExpectedLabels(PhaseN), perPhase[Phase.N].Bytes);
        Assert.Equal(PhaseN.Descriptor.Geometry, perPhase[Phase.N].Header.Geometry);

        var diagnosis = messages[^1].Diagnosis;
        Assert.Equal(studyId, diagnosis.StudyId);
        Assert.Equal("P", diagnosis.ReferencePhase);
        Assert.Equal(1u, diagnosis.Revision);
        Assert.Equal("fake-renal 0.1", diagnosis.ModelVersion);
        Assert.Equal(["AML", "ccRCC", "chRCC", "oncocytoma", "pRCC"], diagnosis.SubtypeProbabilities.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.55, diagnosis.SubtypeProbabilities["ccRCC"]);
        Assert.Equal("ccRCC", diagnosis.PredictedSubtype);
        Assert.Equal(0.85, diagnosis.MalignancyProbability, 9);
        Assert.Contains("ccRCC", diagnosis.Verdict);
        Assert.Contains(diagnosis.Timings, t => t.Stage == Stage.Encoding);

        var tumor = diagnosis.Lesions[0];
        var spacing = PhaseP.Descriptor.Geometry.Spacing;
        Assert.Equal((1u, 2u, "left"), (tumor.Id, tumor.Label, tumor.Side));
        Assert.Equal(reference.Bytes.Count(v => v == 2) * spacing.X * spacing.Y * spacing.Z / 1000, tumor.VolumeMl, 6);
        Assert.Equal(12.5, tumor.LargestDiameterMm);
        Assert.Equal(new Vector3 { X = 1, Y = 2, Z = 3 }, tumor.CentroidLps);
        Assert.Equal(new VoxelBox { SizeI = 128, SizeJ = 128, SizeK = 70 }, tumor.BoundingBox);
        Assert.Equal(42.0, tumor.MeanHu["N"]);
        Assert.Equal(5, tumor.SubtypeProbabilities.Count);
        var cyst = diagnosis.Lesions[1];
        Assert.Equal((3u, "", 0.0), (cyst.Label, cyst.PredictedSubtype, cyst.MalignancyProbability));
        Assert.Empty(cyst.SubtypeProbabilities);

        // The report form: protobuf JSON with lowerCamelCase keys.
        var json = JsonFormatter.Default.Format(diagnosis);
        Assert.Contains("\"referencePhase\": \"P\"", json);
        Assert.Contains("\"subtypeProbabilities\": {", json);
        Assert.Contains("\"lesions\": [", json);

        // The labels and aligned images are kept with the study for the edit loop, and counted.
        Assert.Equal(1u, (await _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = studyId })).SegmentationRevision);
        Assert.True(_server.MemoryUsedBytes >= memoryBefore + PhaseP.Bytes.Length / 2, "the kept analysis is counted in the memory budget");
        await _server.Studies.DeleteStudyAsync(new DeleteStudyRequest { StudyId = studyId });
        Assert.Equal(0, _server.MemoryUsedBytes);
    }

    [Fact]
    public async Task ReferencePhaseOverrideAndNoTumorGiveEmptyVerdict()
    {
        // All-negative N: background and cysts only, no tumor.
        var cold = SyntheticStudy.Phase(Phase.N, 20, 16, 6, seed: 3);
        var studyId = await UploadAsync(cold, SyntheticStudy.Phase(Phase.A, 20, 16, 6, seed: 4));
        using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId, Options = new AnalyzeOptions { ReferencePhase = Phase.N } });
        var messages = await ReadAllAsync(call);
        var diagnosis = messages[^1].Diagnosis;
        Assert.Equal("N", diagnosis.ReferencePhase);
        Assert.Equal(Phase.N, Assert.Single(messages, m => m.SegmentationHeader is not null).SegmentationHeader.GridPhase);
        if (!ExpectedLabels(cold).Contains((byte)2))
        {
            Assert.Empty(diagnosis.SubtypeProbabilities);
        }

        await RpcAssert.FailsWith(StatusCode.InvalidArgument, async () =>
        {
            using var bad = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId, Options = new AnalyzeOptions { ReferencePhase = Phase.D } });
            await bad.ResponseStream.MoveNext();
        });
    }

    [Fact]
    public async Task FullQueueIsResourceExhaustedWithRetryInfo()
    {
        var studyId = await UploadAsync(PhaseN);
        _engine.Hold();
        using var running = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
        Assert.True(await _engine.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        using var queued = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
        Assert.True(await queued.ResponseStream.MoveNext());
        Assert.Equal((Stage.Queued, 1u), (queued.ResponseStream.Current.Progress.Stage, queued.ResponseStream.Current.Progress.QueuePosition));

        var refused = await RpcAssert.FailsWith(StatusCode.ResourceExhausted, async () =>
        {
            using var third = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
            await third.ResponseStream.MoveNext();
        });
        Assert.Equal("ANALYZE_QUEUE_FULL", RpcAssert.Reason(refused));
        var retry = refused.GetRpcStatus()?.GetDetail<RetryInfo>();
        Assert.NotNull(retry);
        Assert.True(retry.RetryDelay.ToTimeSpan() > TimeSpan.Zero);

        _engine.Release();
        Assert.NotNull((await ReadAllAsync(running))[^1].Diagnosis);
        Assert.NotNull((await ReadAllAsync(queued))[^1].Diagnosis);
        Assert.Equal(2, _engine.CompletedRuns);
    }

    [Fact]
    public async Task CancellingStopsTheEngineOrLeavesTheQueue()
    {
        var studyId = await UploadAsync(PhaseN);
        _engine.Hold();
        using var runningCts = new CancellationTokenSource();
        using var running = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId }, cancellationToken: runningCts.Token);
        Assert.True(await _engine.Started.WaitAsync(TimeSpan.FromSeconds(10)));
        using var queuedCts = new CancellationTokenSource();
        using var queued = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId }, cancellationToken: queuedCts.Token);
        Assert.True(await queued.ResponseStream.MoveNext());

        // The queued call leaves the queue: a new call fits into the one-slot queue again.
        queuedCts.Cancel();
        await RpcAssert.FailsWith(StatusCode.Cancelled, () => ReadAllAsync(queued));
        Assert.True(await RunningServer.EventuallyAsync(() => _server.Worker.QueueLength == 0));
        using var next = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
        Assert.True(await next.ResponseStream.MoveNext());
        Assert.Equal((Stage.Queued, 1u), (next.ResponseStream.Current.Progress.Stage, next.ResponseStream.Current.Progress.QueuePosition));

        // The running call is cancelled inside the engine, through the token.
        runningCts.Cancel();
        await RpcAssert.FailsWith(StatusCode.Cancelled, () => ReadAllAsync(running));
        Assert.True(await RunningServer.EventuallyAsync(() => _engine.CancelledRuns == 1));

        _engine.Release();
        Assert.NotNull((await ReadAllAsync(next))[^1].Diagnosis);
        Assert.Equal(1, _engine.CompletedRuns); // the withdrawn call never ran

        // A deadline is honoured the same way.
        _engine.Hold();
        await RpcAssert.FailsWith(StatusCode.DeadlineExceeded, async () =>
        {
            using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId }, deadline: DateTime.UtcNow.AddMilliseconds(500));
            await ReadAllAsync(call);
        });
        Assert.True(await RunningServer.EventuallyAsync(() => _engine.CancelledRuns == 2));
    }

    [Fact]
    public async Task UnknownStudyIsNotFoundAndLoadedModelIsReported()
    {
        var missing = await RpcAssert.FailsWith(StatusCode.NotFound, async () =>
        {
            using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = "0123456789abcdef0123456789abcdef" });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal("STUDY_NOT_FOUND", RpcAssert.Reason(missing));

        var info = await _server.Info.GetServerInfoAsync(new GetServerInfoRequest());
        Assert.True(info.Model.Loaded);
        Assert.Equal(("fake-renal", "0.1", new string('a', 64), ""), (info.Model.Name, info.Model.Version, info.Model.Sha256, info.Model.Status));
        Assert.Equal(1u, info.Limits.AnalyzeQueueCapacity);
        var health = new Health.HealthClient(_server.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "renal.v1.AnalysisService" })).Status);
    }

    private sealed record Grid(SegmentationHeader Header, byte[] Bytes, int Chunks);

    /// <summary>Puts every grid's chunks back together, checking sizes, offsets and the header's hash.</summary>
    private static List<Grid> ReassembleGrids(List<AnalyzeResponse> messages)
    {
        var grids = new List<Grid>();
        SegmentationHeader? header = null;
        byte[] bytes = [];
        var chunks = 0;
        foreach (var m in messages.Append(new AnalyzeResponse()))
        {
            if (m.PayloadCase == AnalyzeResponse.PayloadOneofCase.SegmentationChunk)
            {
                Assert.NotNull(header);
                Assert.True(m.SegmentationChunk.Data.Length <= 1 << 20);
                Assert.Equal(header.GridPhase, m.SegmentationChunk.Phase);
                m.SegmentationChunk.Data.Span.CopyTo(bytes.AsSpan((int)m.SegmentationChunk.Offset));
                chunks++;
                continue;
            }

            if (header is not null)
            {
                Assert.Equal(header.Sha256.ToByteArray(), SHA256.HashData(bytes));
                grids.Add(new Grid(header, bytes, chunks));
                header = null;
            }

            if (m.PayloadCase == AnalyzeResponse.PayloadOneofCase.SegmentationHeader)
            {
                header = m.SegmentationHeader;
                bytes = new byte[header.ByteLength];
                chunks = 0;
            }
        }

        return grids;
    }
}
