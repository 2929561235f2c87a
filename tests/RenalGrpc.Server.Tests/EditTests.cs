using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>The edit loop against the real server with the fake engine: revisions, region / whole-map / hint edits, stale and bad edits, undo.</summary>
public sealed partial class EditTests : IAsyncLifetime
{
    private const int SizeI = 40, SizeJ = 32, SizeK = 12;
    private readonly FakeStudyAnalyzer _engine = new();
    private RunningServer _server = null!;

    private static readonly SyntheticPhase PhaseP = SyntheticStudy.Phase(Phase.P, SizeI, SizeJ, SizeK, seed: 21);

    public async Task InitializeAsync() => _server = await RunningServer.StartWithAnalyzerAsync(_engine);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] AnalyzeLabels() =>
        [.. MemoryMarshal.Cast<byte, short>(PhaseP.Bytes).ToArray().Select(v => FakeStudyAnalyzer.LabelOf(v))];

    private static int Index(int i, int j, int k) => (k * SizeJ + j) * SizeI + i;

    private async Task<string> UploadAndAnalyzeAsync()
    {
        var studyId = (await _server.UploadAsync(SyntheticStudy.Upload(PhaseP))).StudyId;
        using var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId });
        await foreach (var _ in call.ResponseStream.ReadAllAsync())
        {
        }

        return studyId;
    }

    private async Task<(SegmentationHeader Header, byte[] Labels)> FetchAsync(string studyId, uint revision = 0, Phase phase = Phase.Unspecified)
    {
        using var call = _server.Analysis.GetSegmentation(new GetSegmentationRequest { StudyId = studyId, Revision = revision, Phase = phase });
        SegmentationHeader? header = null;
        using var bytes = new MemoryStream();
        await foreach (var message in call.ResponseStream.ReadAllAsync())
        {
            if (message.PayloadCase == SegmentationMessage.PayloadOneofCase.Header)
            {
                header = message.Header;
            }
            else
            {
                Assert.Equal((ulong)bytes.Length, message.Chunk.Offset);
                bytes.Write(message.Chunk.Data.Span);
            }
        }

        Assert.NotNull(header);
        return (header, bytes.ToArray());
    }

    private async Task<SubmitEditResponse> SubmitAsync(params SubmitEditRequest[] messages)
    {
        using var call = _server.Analysis.SubmitEdit();
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // the server answered early; its status is in the response
        }

        return await call.ResponseAsync;
    }

    private static SubmitEditRequest Region(string studyId, uint baseRevision, VoxelBox box, uint[] runLengths, byte[] runLabels) => new()
    {
        Header = new EditHeader
        {
            StudyId = studyId,
            BaseRevision = baseRevision,
            Region = new RegionEdit { Box = box, RunLengths = { runLengths }, RunLabels = ByteString.CopyFrom(runLabels) },
        },
    };

    private static SubmitEditRequest[] WholeMap(string studyId, uint baseRevision, byte[] labels, byte[]? sha256 = null)
    {
        var messages = new List<SubmitEditRequest>
        {
            new()
            {
                Header = new EditHeader
                {
                    StudyId = studyId,
                    BaseRevision = baseRevision,
                    WholeLabelMap = new WholeLabelMapEdit { ByteLength = (ulong)labels.Length, Sha256 = ByteString.CopyFrom(sha256 ?? SHA256.HashData(labels)) },
                },
            },
        };
        const int chunk = 4000; // several chunks
        for (var offset = 0; offset < labels.Length; offset += chunk)
        {
            var data = labels.AsSpan(offset, Math.Min(chunk, labels.Length - offset));
            messages.Add(new SubmitEditRequest { Chunk = new VolumeChunk { Offset = (ulong)offset, Data = ByteString.CopyFrom(data) } });
        }

        return [.. messages];
    }

    private static double TumorMl(Diagnosis d) => d.Lesions.Where(l => l.Label == 2).Sum(l => l.VolumeMl);

    private static double VoxelMl => PhaseP.Descriptor.Geometry.Spacing.X * PhaseP.Descriptor.Geometry.Spacing.Y * PhaseP.Descriptor.Geometry.Spacing.Z / 1000;

    [Fact]
    public async Task RevisionOneIsWhatAnalyzeAnswered()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var expected = AnalyzeLabels();
        foreach (var revision in new uint[] { 0, 1 })
        {
            var (header, labels) = await FetchAsync(studyId, revision);
            Assert.Equal(1u, header.Revision);
            Assert.True(header.IsReferenceGrid);
            Assert.Equal(Phase.P, header.GridPhase);
            Assert.Equal(VoxelType.Uint8, header.VoxelType);
            Assert.Equal(PhaseP.Descriptor.Geometry, header.Geometry);
            Assert.Equal(SHA256.HashData(labels), header.Sha256.ToByteArray());
            Assert.Equal(expected, labels);
        }

        Assert.Equal(1u, (await FetchAsync(studyId, phase: Phase.P)).Header.Revision);
        var missing = await RpcAssert.FailsWith(StatusCode.NotFound, () => FetchAsync(studyId, 2));
        Assert.Equal("REVISION_NOT_FOUND", RpcAssert.Reason(missing));
        var noPhase = await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => FetchAsync(studyId, phase: Phase.N));
        Assert.Contains("no phase N", noPhase.Status.Detail);
    }

    [Fact]
    public async Task StudyNeverAnalysedIsAFailedPrecondition()
    {
        var studyId = (await _server.UploadAsync(SyntheticStudy.Upload(PhaseP))).StudyId;
        var fetch = await RpcAssert.FailsWith(StatusCode.FailedPrecondition, () => FetchAsync(studyId));
        Assert.Equal("STUDY_NOT_ANALYSED", RpcAssert.Reason(fetch));
        var edit = await RpcAssert.FailsWith(StatusCode.FailedPrecondition,
            () => SubmitAsync(Region(studyId, 1, new VoxelBox { SizeI = 1, SizeJ = 1, SizeK = 1 }, [1], [0])));
        Assert.Equal("STUDY_NOT_ANALYSED", RpcAssert.Reason(edit));
        await RpcAssert.FailsWith(StatusCode.NotFound,
            () => SubmitAsync(Region("0123456789abcdef0123456789abcdef", 1, new VoxelBox { SizeI = 1, SizeJ = 1, SizeK = 1 }, [1], [0])));
    }

    [Fact]
    public async Task RegionEditMakesRevisionTwoAndRediagnosesOnTheWorker()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var before = AnalyzeLabels();

        // Box [5, 12) x [4, 9) x [3, 6): its first half tumor, the rest cyst, then one background run.
        var box = new VoxelBox { I0 = 5, J0 = 4, K0 = 3, SizeI = 7, SizeJ = 5, SizeK = 3 };
        uint total = 7 * 5 * 3;
        uint[] runs = [total / 2, total - total / 2 - 3, 3];
        byte[] values = [2, 3, 0];
        var response = await SubmitAsync(Region(studyId, 1, box, runs, values));

        var expected = (byte[])before.Clone();
        var n = 0;
        for (var k = 3; k < 6; k++)
        {
            for (var j = 4; j < 9; j++)
            {
                for (var i = 5; i < 12; i++, n++)
                {
                    expected[Index(i, j, k)] = n < runs[0] ? (byte)2 : n < runs[0] + runs[1] ? (byte)3 : (byte)0;
                }
            }
        }

        Assert.Equal(2u, response.Revision);
        Assert.Equal(ExpectedChangedBox(before, expected), response.ChangedRegion);
        Assert.Equal(2u, response.Diagnosis.Revision);
        Assert.Equal(1, _engine.DiagnoseRuns);
        Assert.Equal("renal-inference", _engine.DiagnoseThread);
        Assert.Equal(expected.Count(v => v == 2) * VoxelMl, TumorMl(response.Diagnosis), 6);

        Assert.Equal(expected, (await FetchAsync(studyId)).Labels);
        Assert.Equal(before, (await FetchAsync(studyId, 1)).Labels);
        Assert.Equal(2u, (await _server.Studies.GetStudyAsync(new GetStudyRequest { StudyId = studyId })).SegmentationRevision);

        // Editing revision 1 again is stale: ABORTED, with the latest revision in ErrorInfo.
        var stale = await RpcAssert.FailsWith(StatusCode.Aborted, () => SubmitAsync(Region(studyId, 1, box, [total], [1])));
        var info = stale.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("STALE_REVISION", info.Reason);
        Assert.Equal("2", info.Metadata["current_revision"]);
    }

    /// <summary>The test's own bounding box of differing voxels (independent of the server's).</summary>
    private static VoxelBox ExpectedChangedBox(byte[] before, byte[] after)
    {
        int i0 = int.MaxValue, j0 = int.MaxValue, k0 = int.MaxValue, i1 = -1, j1 = -1, k1 = -1;
        for (var k = 0; k < SizeK; k++)
        {
            for (var j = 0; j < SizeJ; j++)
            {
                for (var i = 0; i < SizeI; i++)
                {
                    if (before[Index(i, j, k)] != after[Index(i, j, k)])
                    {
                        (i0, j0, k0) = (Math.Min(i0, i), Math.Min(j0, j), Math.Min(k0, k));
                        (i1, j1, k1) = (Math.Max(i1, i), Math.Max(j1, j), Math.Max(k1, k));
                    }
                }
            }
        }

        return i1 < 0 ? new VoxelBox() : new VoxelBox { I0 = (uint)i0, J0 = (uint)j0, K0 = (uint)k0, SizeI = (uint)(i1 - i0 + 1), SizeJ = (uint)(j1 - j0 + 1), SizeK = (uint)(k1 - k0 + 1) };
    }

    [Theory]
    [InlineData("outside", "header.region.box")]
    [InlineData("empty", "header.region.box")]
    [InlineData("short-runs", "header.region.run_lengths")]
    [InlineData("long-runs", "header.region.run_lengths")]
    [InlineData("bad-label", "header.region.run_labels")]
    [InlineData("label-count", "header.region.run_labels")]
    public async Task BadRegionsAreInvalidArgumentsNamingTheField(string what, string field)
    {
        var studyId = await UploadAndAnalyzeAsync();
        var box = new VoxelBox { I0 = 2, J0 = 2, K0 = 2, SizeI = 4, SizeJ = 4, SizeK = 2 };
        var request = what switch
        {
            "outside" => Region(studyId, 1, new VoxelBox { I0 = 38, J0 = 0, K0 = 0, SizeI = 4, SizeJ = 1, SizeK = 1 }, [4], [1]),
            "empty" => Region(studyId, 1, new VoxelBox { I0 = 1, SizeI = 0, SizeJ = 1, SizeK = 1 }, [], []),
            "short-runs" => Region(studyId, 1, box, [10, 10], [1, 2]),
            "long-runs" => Region(studyId, 1, box, [30, 10], [1, 2]),
            "bad-label" => Region(studyId, 1, box, [16, 16], [1, 7]),
            _ => Region(studyId, 1, box, [16, 16], [1]),
        };
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(request));
        Assert.Equal(field, RpcAssert.ViolatedField(e));
        Assert.Equal(1u, (await FetchAsync(studyId)).Header.Revision);
        Assert.Equal(0, _engine.DiagnoseRuns);
    }

    /// <summary>Background, a kidney block, a tumor cube inside it and a cyst cube apart.</summary>
    private static byte[] DesignedLabels()
    {
        var labels = new byte[SizeI * SizeJ * SizeK];
        for (var k = 0; k < SizeK; k++)
        {
            for (var j = 0; j < SizeJ; j++)
            {
                for (var i = 0; i < SizeI; i++)
                {
                    labels[Index(i, j, k)] =
                        i is >= 8 and < 14 && j is >= 8 and < 14 && k is >= 4 and < 8 ? (byte)2
                        : i is >= 4 and < 20 && j is >= 4 and < 20 && k is >= 2 and < 10 ? (byte)1
                        : i is >= 28 and < 33 && j is >= 20 and < 25 && k is >= 3 and < 6 ? (byte)3
                        : (byte)0;
                }
            }
        }

        return labels;
    }

    [Fact]
    public async Task WholeMapEditThenUndoBySubmittingRevisionOne()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var designed = DesignedLabels();
        var edit = await SubmitAsync(WholeMap(studyId, 1, designed));
        Assert.Equal(2u, edit.Revision);
        Assert.Equal(ExpectedChangedBox(AnalyzeLabels(), designed), edit.ChangedRegion);
        Assert.Equal(6 * 6 * 4 * VoxelMl, TumorMl(edit.Diagnosis), 6);
        Assert.Equal(designed, (await FetchAsync(studyId)).Labels);

        var wrongHash = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(WholeMap(studyId, 2, designed, new byte[32])));
        Assert.Equal("header.whole_label_map.sha256", RpcAssert.ViolatedField(wrongHash));
        var wrongLength = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(WholeMap(studyId, 2, designed[..^1])));
        Assert.Equal("header.whole_label_map.byte_length", RpcAssert.ViolatedField(wrongLength));
        var outOfOrder = WholeMap(studyId, 2, designed);
        (outOfOrder[1], outOfOrder[2]) = (outOfOrder[2], outOfOrder[1]);
        Assert.Equal("chunk.offset", RpcAssert.ViolatedField(await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(outOfOrder))));

        // Undo: fetch revision 1 and submit it whole.
        var (_, original) = await FetchAsync(studyId, 1);
        var undo = await SubmitAsync(WholeMap(studyId, 2, original));
        Assert.Equal(3u, undo.Revision);
        var (header, latest) = await FetchAsync(studyId);
        Assert.Equal(3u, header.Revision);
        Assert.Equal(original, latest);
        Assert.Equal(AnalyzeLabels().Count(v => v == 2) * VoxelMl, TumorMl(undo.Diagnosis), 6);
    }

    [Fact]
    public async Task HintRemoveErasesTheLesionUnderThePoint()
    {
        var studyId = await UploadAndAnalyzeAsync();
        var designed = DesignedLabels();
        Assert.Equal(2u, (await SubmitAsync(WholeMap(studyId, 1, designed))).Revision);
        var geometry = PhaseP.Descriptor.Geometry;
        Vector3 Lps(double i, double j, double k) => new()
        {
            X = geometry.Origin.X + i * geometry.Spacing.X,
            Y = geometry.Origin.Y + j * geometry.Spacing.Y,
            Z = geometry.Origin.Z + k * geometry.Spacing.Z,
        };
        SubmitEditRequest Hint(uint revision, Vector3 point, LesionHint.Types.Action action) => new()
        {
            Header = new EditHeader { StudyId = studyId, BaseRevision = revision, Hint = new LesionHint { PointLps = point, Action = action } },
        };

        var background = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(Hint(2, Lps(1, 1, 1), LesionHint.Types.Action.Remove)));
        Assert.Equal("NO_LESION_AT_POINT", RpcAssert.Reason(background));
        var outside = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(Hint(2, Lps(-5, 1, 1), LesionHint.Types.Action.Remove)));
        Assert.Equal("header.hint.point_lps", RpcAssert.ViolatedField(outside));

        // A point 0.3 voxel off the tumor's voxel (10, 10, 5) still picks it.
        var removed = await SubmitAsync(Hint(2, Lps(10.3, 9.8, 5.2), LesionHint.Types.Action.Remove));
        Assert.Equal(3u, removed.Revision);
        Assert.Equal(new VoxelBox { I0 = 8, J0 = 8, K0 = 4, SizeI = 6, SizeJ = 6, SizeK = 4 }, removed.ChangedRegion);
        Assert.DoesNotContain(removed.Diagnosis.Lesions, l => l.Label == 2);
        Assert.Contains(removed.Diagnosis.Lesions, l => l.Label == 3);

        // The tumor sat inside the kidney, so its voxels became kidney; the cyst is untouched.
        var expected = designed.Select(v => v == 2 ? (byte)1 : v).ToArray();
        Assert.Equal(expected, (await FetchAsync(studyId)).Labels);

        // The cyst is apart from the kidney: removing it leaves background.
        var cyst = await SubmitAsync(Hint(3, Lps(30, 22, 4), LesionHint.Types.Action.Remove));
        Assert.Empty(cyst.Diagnosis.Lesions);
        Assert.Equal(expected.Select(v => v == 3 ? (byte)0 : v).ToArray(), (await FetchAsync(studyId)).Labels);
    }

    /// <summary>A phase whose fake segmentation is <see cref="DesignedLabels"/>: the fake thresholds these values.</summary>
    private static SyntheticPhase DesignedPhase()
    {
        short[] valueOf = [-100, 100, 20000, -20000];
        var voxels = DesignedLabels().Select(l => valueOf[l]).ToArray();
        var bytes = MemoryMarshal.AsBytes(voxels.AsSpan()).ToArray();
        var descriptor = PhaseP.Descriptor.Clone();
        descriptor.Sha256 = ByteString.CopyFrom(SHA256.HashData(bytes));
        return new SyntheticPhase(descriptor, bytes);
    }

    [Fact]
    public async Task HintAddSegmentsTheMissedLesionAroundThePointWithStageOne()
    {
        var studyId = (await _server.UploadAsync(SyntheticStudy.Upload(DesignedPhase()))).StudyId;
        using (var call = _server.Analysis.Analyze(new AnalyzeRequest { StudyId = studyId }))
        {
            await foreach (var _ in call.ResponseStream.ReadAllAsync())
            {
            }
        }

        var designed = DesignedLabels();
        Assert.Equal(designed, (await FetchAsync(studyId)).Labels);

        // The user erases the tumor (as if the model had missed it): revision 2 has none.
        var missed = designed.Select(v => v == 2 ? (byte)1 : v).ToArray();
        Assert.DoesNotContain((await SubmitAsync(WholeMap(studyId, 1, missed))).Diagnosis.Lesions, l => l.Label == 2);

        var geometry = PhaseP.Descriptor.Geometry;
        SubmitEditRequest Add(uint revision, double i, double j, double k) => new()
        {
            Header = new EditHeader
            {
                StudyId = studyId,
                BaseRevision = revision,
                Hint = new LesionHint
                {
                    Action = LesionHint.Types.Action.Add,
                    PointLps = new Vector3 { X = geometry.Origin.X + i * geometry.Spacing.X, Y = geometry.Origin.Y + j * geometry.Spacing.Y, Z = geometry.Origin.Z + k * geometry.Spacing.Z },
                },
            },
        };

        // No tumor or cyst within 10 mm of the point: nothing found.
        var nothing = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(Add(2, 36, 3, 10)));
        Assert.Equal("NO_LESION_FOUND", RpcAssert.Reason(nothing));
        var outside = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => SubmitAsync(Add(2, 10, 10, 40)));
        Assert.Equal("header.hint.point_lps", RpcAssert.ViolatedField(outside));

        // A click 3 voxels (2.4 mm) beside the tumor snaps to it; stage 1 paints it back in: revision 3 = revision 1.
        var added = await SubmitAsync(Add(2, 16, 10, 5));
        Assert.Equal(3u, added.Revision);
        Assert.Equal(new VoxelBox { I0 = 8, J0 = 8, K0 = 4, SizeI = 6, SizeJ = 6, SizeK = 4 }, added.ChangedRegion);
        Assert.Equal(6 * 6 * 4 * VoxelMl, TumorMl(added.Diagnosis), 6);
        Assert.Equal(designed, (await FetchAsync(studyId)).Labels);
        Assert.Equal("renal-inference", _engine.DiagnoseThread);
    }
}
