using System.Security.Cryptography;
using RenalGrpc.Client.Testing;

namespace RenalGrpc.Client.Tests;

[Collection(ServerCollection.Name)]
public sealed class UploadTests(ServerFixture fixture)
{
    [Fact]
    public async Task FourPhaseUpload_GetStudyReturnsTheSameDescriptorsAndHashes()
    {
        var phases = TestStudies.FourPhases(seed: 1);
        using var client = fixture.CreateClient();

        var result = await client.UploadStudyAsync(phases);
        var study = await client.GetStudyAsync(result.StudyId);

        Assert.False(result.AlreadyStored);
        long total = phases.Values.Sum(v => v.Buffer.LongLength);
        Assert.Equal(total, result.Bytes);
        Assert.Equal(total, result.WireBytes);
        Assert.Equal(result.StudyId, study.StudyId);
        Assert.Equal(total, study.TotalBytes);
        Assert.Equal(["N", "A", "P", "D"], study.Phases.Select(p => p.Phase).OrderBy(p => "NAPD".IndexOf(p[0])).ToArray());
        foreach (var stored in study.Phases)
        {
            var sent = phases[stored.Phase];
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(sent.Buffer)), stored.Sha256Hex);
            Assert.Equal(sent.Buffer.LongLength, stored.ByteLength);
            Assert.Equal(sent.VoxelType, stored.VoxelType);
            Assert.True(sent.Geometry.IsSameGrid(stored.Geometry), $"phase {stored.Phase}: {stored.Geometry} != {sent.Geometry}");
        }
        Assert.True(study.ExpiresAt > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task SecondUploadOfTheSameContent_IsSkippedByFindStudy()
    {
        var phases = TestStudies.FourPhases(seed: 2);
        using var client = fixture.CreateClient();

        var first = await client.UploadStudyAsync(phases);
        var second = await client.UploadStudyAsync(phases);

        Assert.False(first.AlreadyStored);
        Assert.True(second.AlreadyStored);
        Assert.Equal(first.StudyId, second.StudyId);
        Assert.Equal(0, second.WireBytes);
    }

    [Fact]
    public async Task ZstdAndLz4Uploads_StoreTheSameStudyAsRaw_WithFewerWireBytes()
    {
        var phases = TestStudies.FourPhases(seed: 3);
        using var client = fixture.CreateClient();
        var results = new Dictionary<ChunkCompression, UploadResult>();
        foreach (var compression in new[] { ChunkCompression.Zstd, ChunkCompression.Lz4, ChunkCompression.None })
        {
            // Deleting in between makes every upload really send its (compressed) chunks.
            results[compression] = await client.UploadStudyAsync(phases, compression);
            var stored = await client.GetStudyAsync(results[compression].StudyId);
            Assert.Equal(phases["A"].Buffer.LongLength, stored.Phases.Single(p => p.Phase == "A").ByteLength);
            Assert.True(await client.DeleteStudyAsync(results[compression].StudyId));
        }

        Assert.All(results.Values, r => Assert.False(r.AlreadyStored));
        Assert.Single(results.Values.Select(r => r.StudyId).Distinct());
        Assert.True(results[ChunkCompression.Zstd].WireBytes < results[ChunkCompression.None].WireBytes);
        Assert.True(results[ChunkCompression.Lz4].WireBytes < results[ChunkCompression.None].WireBytes);
    }

    [Fact]
    public async Task ProgressReports_GrowToTheWholeStudy()
    {
        var phases = TestStudies.FourPhases(seed: 4, size: 128, slices: 24);
        using var client = fixture.CreateClient();
        var progress = new RecordingProgress();

        var result = await client.UploadStudyAsync(phases, ChunkCompression.None, progress);

        var reports = progress.Reports;
        Assert.True(reports.Count >= 4, $"only {reports.Count} reports for {result.Bytes} bytes");
        Assert.Equal(result.Bytes, reports[^1].BytesSent);
        Assert.Equal(1.0, reports[^1].Fraction);
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.First.BytesSent < p.Second.BytesSent), "progress went backwards");
    }

    [Fact]
    public async Task CancellingMidUpload_ThrowsOperationCanceled_AndStoresNothing()
    {
        var phases = TestStudies.FourPhases(seed: 5, size: 128, slices: 40);
        using var client = fixture.CreateClient();
        using var cancellation = new CancellationTokenSource();
        var progress = new RecordingProgress(p => { if (p.BytesSent >= RenalClient.ChunkBytes) cancellation.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => client.UploadStudyAsync(phases, ChunkCompression.None, progress, cancellation.Token));

        Assert.True(progress.Reports[^1].BytesSent < progress.Reports[^1].TotalBytes);
        Assert.Null(await client.FindStudyAsync(phases));
        var listing = await client.ListStudiesAsync();
        var hashOfN = Convert.ToHexStringLower(SHA256.HashData(phases["N"].Buffer));
        Assert.DoesNotContain(listing.Studies, s => s.Phases.Any(p => p.Sha256Hex == hashOfN));
    }

    [Fact]
    public async Task UnknownPhaseName_IsRejectedBeforeAnyCall()
    {
        var phases = TestStudies.FourPhases(seed: 6);
        using var client = fixture.CreateClient();
        var bad = new Dictionary<string, Imaging.Volume> { ["X"] = phases["N"] };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => client.UploadStudyAsync(bad));
        Assert.Contains("'X'", ex.Message);
    }
}
