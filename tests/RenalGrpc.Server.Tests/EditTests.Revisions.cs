using Google.Rpc;
using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

public sealed partial class EditTests
{
    [Fact]
    public async Task EachRevisionCostsTheBudgetItsChangedBox_AndEveryOldRevisionComesBackExactly()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var revisions = new List<byte[]> { AnalyzeLabels() };
        var memory = new List<long> { _server.MemoryUsedBytes };

        // Two brush strokes in different places, then a whole map identical to the latest (no change).
        var first = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 7, SizeJ = 5, SizeK = 3 };
        var second = new VoxelBox { I0 = 30, J0 = 20, K0 = 8, SizeI = 4, SizeJ = 6, SizeK = 2 };
        foreach (var (box, label) in new[] { (first, (byte)2), (second, (byte)3) })
        {
            var edit = await SubmitAsync(Region(studyId, (uint)revisions.Count, box, [box.SizeI * box.SizeJ * box.SizeK], [label]));
            var next = (byte[])revisions[^1].Clone();
            for (var k = (int)box.K0; k < box.K0 + box.SizeK; k++)
                for (var j = (int)box.J0; j < box.J0 + box.SizeJ; j++)
                    for (var i = (int)box.I0; i < box.I0 + box.SizeI; i++)
                        next[Index(i, j, k)] = label;
            var changed = ExpectedChangedBox(revisions[^1], next);
            Assert.Equal((uint)revisions.Count + 1, edit.Revision);
            revisions.Add(next);
            memory.Add(_server.MemoryUsedBytes);
            // The budget grows by the changed box (the older labels kept there), not by another whole map.
            Assert.Equal(changed.SizeI * changed.SizeJ * changed.SizeK, memory[^1] - memory[^2]);
            Assert.True(memory[^1] - memory[^2] < revisions[0].Length / 4);
        }
        var same = await SubmitAsync(WholeMap(studyId, 3, revisions[^1]));
        revisions.Add(revisions[^1]);
        Assert.Equal(4u, same.Revision);
        Assert.Equal(memory[^1], _server.MemoryUsedBytes);

        for (var r = 1; r <= revisions.Count; r++)
        {
            var (header, labels) = await FetchAsync(studyId, (uint)r);
            Assert.Equal((uint)r, header.Revision);
            Assert.True(revisions[r - 1].AsSpan().SequenceEqual(labels), $"revision {r} differs from what was submitted");
        }
    }

    [Fact]
    public async Task ANewAnalyzeTakesTheNextRevisionNumber_SoAnEditOfTheLabelsItReplacedIsStale()
    {
        // Studies are addressed by content, so two clients sending the same scans share one. When one
        // analyses again (e.g. with another reference phase: another grid) after the other edited, the
        // other's next edit "of revision 1" must be refused, not applied to labels it never saw. Until
        // session 23 every Analyze started again at revision 1 and such a whole-map edit went through.
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 3, SizeJ = 3, SizeK = 2 };
        Assert.Equal(2u, (await SubmitAsync(Region(studyId, 1, box, [18], [2]))).Revision);

        var headers = new List<SegmentationHeader>();
        Diagnosis? diagnosis = null;
        using (var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId, Options = new AnalyzeOptions { PerPhaseMasks = true } }))
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.SegmentationHeader is { } header) headers.Add(header);
                diagnosis = message.Diagnosis ?? diagnosis;
            }
        }

        Assert.Equal(2, headers.Count); // the reference grid and P's own
        Assert.All(headers, h => Assert.Equal(3u, h.Revision));
        Assert.Equal(3u, diagnosis!.Revision);
        Assert.Equal(3u, (await _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = studyId })).SegmentationRevision);
        var (latest, labels) = await FetchAsync(studyId);
        Assert.Equal(3u, latest.Revision);
        Assert.Equal(AnalyzeLabels(), labels); // the new analysis: the edit of revision 2 is not in it

        foreach (var old in new uint[] { 1, 2 })
        {
            var stale = await RpcAssert.FailsWith(StatusCode.Aborted, () => SubmitAsync(WholeMap(studyId, old, AnalyzeLabels())));
            Assert.Equal($"base_revision {old} is stale: a later Analyze of this study replaced it with revision 3 (the latest revision is 3); fetch the latest and edit that", stale.Status.Detail);
            Assert.Equal("3", stale.GetRpcStatus()!.GetDetail<ErrorInfo>().Metadata["current_revision"]);

            var gone = await RpcAssert.FailsWith(StatusCode.NotFound, () => FetchAsync(studyId, old));
            Assert.Equal("REVISION_NOT_FOUND", RpcAssert.Reason(gone));
            Assert.EndsWith($"has no revision {old}: a later Analyze replaced it; revisions run from 3 to 3", gone.Status.Detail);
        }

        Assert.Equal(1, _engine.DiagnoseRuns); // the refused edits never reached the engine

        // The new labels are edited as usual, numbered on from 3, and 3 stays fetchable.
        Assert.Equal(4u, (await SubmitAsync(Region(studyId, 3, box, [18], [2]))).Revision);
        Assert.Equal(AnalyzeLabels(), (await FetchAsync(studyId, 3)).Labels);
        var ahead = await RpcAssert.FailsWith(StatusCode.NotFound, () => FetchAsync(studyId, 5));
        Assert.EndsWith("has no revision 5; revisions run from 3 to 4", ahead.Status.Detail);
    }

    [Fact]
    public async Task AnAnalysisTooLargeToKeepIsAnsweredUnderItsOwnRevision_AndTheNextKeptOneCountsOn()
    {
        // 640 KiB of scan in a 1 MiB budget: its labels and aligned images do not fit beside it.
        await using var server = await RunningServer.StartWithAnalyzerAsync(new FakeStudyAnalyzer(), "--memory-budget-mb", "1");
        var studyId = (await server.UploadAsync(SyntheticStudy.Upload(SyntheticStudy.Phase(Phase.P, 128, 128, 20, seed: 67)))).StudyId;
        async Task<uint> AnalyzeAsync()
        {
            using var call = server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
            uint revision = 0;
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.SegmentationHeader is { } header) revision = header.Revision;
                if (message.Diagnosis is { } diagnosis) Assert.Equal(revision, diagnosis.Revision);
            }

            return revision;
        }

        Assert.Equal(1u, await AnalyzeAsync());
        Assert.Equal(0u, (await server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = studyId })).SegmentationRevision);
        var edit = Region(studyId, 1, new VoxelBox { SizeI = 1, SizeJ = 1, SizeK = 1 }, [1], [2]);
        using (var call = server.Analysis.SubmitEdit())
        {
            await call.RequestStream.WriteAsync(edit);
            await call.RequestStream.CompleteAsync();
            var e = await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => call.ResponseAsync);
            Assert.Equal("STUDY_NOT_ANALYSED", RpcAssert.Reason(e));
        }

        // A second answer that is not kept either must not reuse the number the first one was answered under.
        Assert.Equal(2u, await AnalyzeAsync());
        Assert.Equal(0UL + 128 * 128 * 20 * 2, (ulong)server.MemoryUsedBytes);
    }

    [Fact]
    public async Task TheSameScansDeletedAndUploadedAgainNumberOnFromTheirLastRevision()
    {
        // A client keeps "revision 2" of a study; the study is deleted (or expires) and someone uploads the
        // same scans again (same content, so the same id) and analyses them. Until session 24 that Analyze
        // was revision 1 again and the client's next edit of 2 was applied to labels it never saw.
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 3, SizeJ = 3, SizeK = 2 };
        Assert.Equal(2u, (await SubmitAsync(Region(studyId, 1, box, [18], [2]))).Revision);
        await _server.Studies.DeleteStudyAsync(new DeleteStudyRequest { StudyId = studyId });

        Assert.Equal(studyId, await UploadAndAnalyzeAsync());
        Assert.Equal(3u, (await _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = studyId })).SegmentationRevision);
        foreach (var old in new uint[] { 1, 2 })
        {
            var stale = await RpcAssert.FailsWith(StatusCode.Aborted, () => SubmitAsync(WholeMap(studyId, old, AnalyzeLabels())));
            Assert.StartsWith($"base_revision {old} is stale: a later Analyze of this study replaced it with revision 3", stale.Status.Detail);
        }

        Assert.Equal(AnalyzeLabels(), (await FetchAsync(studyId)).Labels);
        Assert.Equal(4u, (await SubmitAsync(Region(studyId, 3, box, [18], [2]))).Revision);
    }

    [Fact]
    public async Task AStudyThatExpiredNumbersOnToo_AndAnAnalyzeThatOutlivedItsStudyTakesANumberOfItsOwn()
    {
        await using var server = await RunningServer.StartWithAnalyzerAsync(new FakeStudyAnalyzer(), "--study-ttl-seconds", "3");
        var upload = SyntheticStudy.Upload(PhaseP);
        async Task<uint> AnalyzeAsync(string id)
        {
            using var call = server.Analysis.Analyze(new AnalyzeRequest { StudyId = id });
            uint revision = 0;
            await foreach (var message in call.ResponseStream.ReadAllAsync())
            {
                if (message.Diagnosis is { } diagnosis) revision = diagnosis.Revision;
            }

            return revision;
        }

        var studyId = (await server.UploadAsync(upload)).StudyId;
        Assert.Equal(1u, await AnalyzeAsync(studyId));
        // 3 s, not 1: every call below refreshes the TTL, but a busy CI machine can pause longer than 1 s between two.
        Assert.True(await RunningServer.EventuallyAsync(() => server.MemoryUsedBytes == 0, timeoutMs: 15000), "the study did not expire");

        Assert.Equal(studyId, (await server.UploadAsync(upload)).StudyId);
        Assert.Equal(2u, await AnalyzeAsync(studyId));
        var stale = await RpcAssert.FailsWith(StatusCode.Aborted, async () =>
        {
            using var call = server.Analysis.SubmitEdit();
            foreach (var message in WholeMap(studyId, 1, AnalyzeLabels())) await call.RequestStream.WriteAsync(message);
            await call.RequestStream.CompleteAsync();
            await call.ResponseAsync;
        });
        Assert.StartsWith("base_revision 1 is stale", stale.Status.Detail);
    }
}
