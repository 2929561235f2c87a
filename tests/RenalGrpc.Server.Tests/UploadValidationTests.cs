using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using RenalGrpc.Server.Tests.Support;
using RenalGrpc.V1;

namespace RenalGrpc.Server.Tests;

/// <summary>Every malformed upload gets a precise status and names the offending field; nothing leaks.</summary>
public sealed class UploadValidationTests : IAsyncLifetime
{
    private RunningServer _server = null!;

    public async Task InitializeAsync() => _server = await RunningServer.StartAsync("--max-voxels-per-phase", "100000");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("chunk-before-header", StatusCode.InvalidArgument, "header")]
    [InlineData("second-header", StatusCode.InvalidArgument, "header")]
    [InlineData("no-header", StatusCode.InvalidArgument, "header")]
    [InlineData("empty-header", StatusCode.InvalidArgument, "phases")]
    [InlineData("unspecified-phase", StatusCode.InvalidArgument, "phases[0].phase")]
    [InlineData("duplicate-phase", StatusCode.InvalidArgument, "phases[1].phase")]
    [InlineData("one-scan-for-two-phases", StatusCode.InvalidArgument, "phases[P].sha256")]
    [InlineData("chunk-phase-not-in-header", StatusCode.InvalidArgument, "chunk.phase")]
    [InlineData("overlap", StatusCode.InvalidArgument, "chunk.offset")]
    [InlineData("out-of-range", StatusCode.InvalidArgument, "chunk.offset")]
    [InlineData("chunk-over-1-mib", StatusCode.InvalidArgument, "chunk.data")]
    [InlineData("gap-missing-bytes", StatusCode.InvalidArgument, "phases[P].byte_length")]
    [InlineData("sha256-mismatch", StatusCode.InvalidArgument, "phases[P].sha256")]
    [InlineData("sha256-wrong-length", StatusCode.InvalidArgument, "phases[P].sha256")]
    [InlineData("zero-spacing", StatusCode.InvalidArgument, "phases[P].geometry.spacing")]
    [InlineData("nan-spacing", StatusCode.InvalidArgument, "phases[P].geometry.spacing")]
    [InlineData("missing-geometry", StatusCode.InvalidArgument, "phases[P].geometry")]
    [InlineData("skewed-direction", StatusCode.InvalidArgument, "phases[P].geometry.direction")]
    [InlineData("direction-length-6", StatusCode.InvalidArgument, "phases[P].geometry.direction")]
    [InlineData("zero-size", StatusCode.InvalidArgument, "phases[P].geometry.size_j")]
    [InlineData("byte-length-mismatch", StatusCode.InvalidArgument, "phases[P].byte_length")]
    [InlineData("unsupported-voxel-type", StatusCode.InvalidArgument, "phases[P].voxel_type")]
    [InlineData("unsupported-codec", StatusCode.InvalidArgument, "chunk.compression")]
    [InlineData("missing-uncompressed-length", StatusCode.InvalidArgument, "chunk.uncompressed_length")]
    [InlineData("corrupt-zstd", StatusCode.InvalidArgument, "chunk.data")]
    [InlineData("corrupt-lz4", StatusCode.InvalidArgument, "chunk.data")]
    [InlineData("nan-float32", StatusCode.InvalidArgument, "phases[P]")]
    [InlineData("infinite-float32", StatusCode.InvalidArgument, "phases[P]")]
    [InlineData("too-many-voxels", StatusCode.ResourceExhausted, "phases[P].geometry")]
    [InlineData("overflowing-sizes", StatusCode.ResourceExhausted, "phases[P].geometry")]
    public async Task BadUploadIsRefusedWithTheFieldNamed(string problem, StatusCode code, string field)
    {
        var e = await RpcAssert.FailsWith(code, () => _server.UploadAsync(BuildUpload(problem)));

        Assert.Equal(field, RpcAssert.ViolatedField(e));
        Assert.NotEqual("", RpcAssert.Reason(e));
        Assert.Equal(0, _server.MemoryUsedBytes);
    }

    [Fact]
    public async Task FindStudyValidatesDescriptorsToo()
    {
        var bad = SyntheticStudy.Phase(Phase.P);
        bad.Descriptor.Geometry.Spacing.Z = -1;
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => _server.Studies.FindStudyAsync(new FindStudyRequest { Phases = { bad.Descriptor } }).ResponseAsync);
        Assert.Equal("phases[P].geometry.spacing", RpcAssert.ViolatedField(e));
    }

    private static List<UploadStudyRequest> BuildUpload(string problem)
    {
        var p = SyntheticStudy.Phase(Phase.P, 40, 32, 12, seed: 7);
        var a = SyntheticStudy.Phase(Phase.A, 40, 32, 12, seed: 8);
        var good = SyntheticStudy.Upload(p);
        var header = good[0];
        var chunks = good.Skip(1).ToList();
        var descriptor = header.Header.Phases[0];
        switch (problem)
        {
            case "chunk-before-header": return [chunks[0], header, .. chunks.Skip(1)];
            case "second-header": return [header, chunks[0], header];
            case "no-header": return [];
            case "empty-header": return [new UploadStudyRequest { Header = new UploadHeader() }];
            case "unspecified-phase": descriptor.Phase = Phase.Unspecified; return [header];
            case "duplicate-phase": header.Header.Phases.Add(descriptor.Clone()); return [header];
            case "one-scan-for-two-phases": header.Header.Phases.Add(SameDataAs(descriptor, Phase.A)); return [header];
            case "chunk-phase-not-in-header": return [header, .. SyntheticStudy.Chunks(a)];
            case "overlap": return [header, chunks[0], SyntheticStudy.Chunk(Phase.P, 100, p.Bytes.AsSpan(100, 10))];
            case "out-of-range": return [header, SyntheticStudy.Chunk(Phase.P, (ulong)p.Bytes.Length - 5, new byte[10])];
            case "chunk-over-1-mib": return [header, SyntheticStudy.Chunk(Phase.P, 0, new byte[(1 << 20) + 1])];
            case "gap-missing-bytes": return [header, .. SyntheticStudy.Chunks(p, 10_000).Where((_, n) => n != 1)];
            case "sha256-mismatch": p.Bytes[1234] ^= 0xff; return [header, .. SyntheticStudy.Chunks(p)];
            case "sha256-wrong-length": descriptor.Sha256 = ByteString.CopyFrom(new byte[16]); return [header];
            case "zero-spacing": descriptor.Geometry.Spacing.Y = 0; return [header];
            case "nan-spacing": descriptor.Geometry.Spacing.X = double.NaN; return [header];
            case "missing-geometry": descriptor.Geometry = null; return [header];
            case "skewed-direction": descriptor.Geometry.Direction[1] = 0.5; return [header];
            case "direction-length-6": descriptor.Geometry.Direction.Clear(); descriptor.Geometry.Direction.Add([1, 0, 0, 0, 1, 0]); return [header];
            case "zero-size": descriptor.Geometry.SizeJ = 0; return [header];
            case "byte-length-mismatch": descriptor.ByteLength -= 2; return [header];
            case "unsupported-voxel-type": descriptor.VoxelType = (VoxelType)99; return [header];
            case "unsupported-codec": chunks[0].Chunk.Compression = (Compression)7; chunks[0].Chunk.UncompressedLength = (uint)chunks[0].Chunk.Data.Length; return [header, chunks[0]];
            case "missing-uncompressed-length": chunks[0].Chunk.Compression = Compression.Zstd; return [header, chunks[0]];
            case "corrupt-zstd": return [header, Compressed(chunks[0], Compression.Zstd)];
            case "corrupt-lz4": return [header, Compressed(chunks[0], Compression.Lz4)];
            case "nan-float32": return FloatUpload(float.NaN);
            case "infinite-float32": return FloatUpload(float.NegativeInfinity);
            case "too-many-voxels": descriptor.Geometry.SizeK = 1000; descriptor.ByteLength = 40UL * 32 * 1000 * 2; return [header];
            case "overflowing-sizes":
                descriptor.Geometry.SizeI = descriptor.Geometry.SizeJ = descriptor.Geometry.SizeK = uint.MaxValue;
                descriptor.ByteLength = ulong.MaxValue;
                return [header];
            default: throw new ArgumentException(problem);
        }
    }

    private static VolumeDescriptor SameDataAs(VolumeDescriptor descriptor, Phase phase)
    {
        var copy = descriptor.Clone();
        copy.Phase = phase;
        return copy;
    }

    [Fact]
    public async Task OneScanSentForTwoPhasesIsRefusedBeforeAnyByteWithBothPhasesNamed()
    {
        var p = SyntheticStudy.Phase(Phase.P, 40, 32, 12, seed: 7);
        var header = SyntheticStudy.Upload(p)[0];
        // Another grid in the header changes nothing: the bytes are the same scan.
        var a = SameDataAs(p.Descriptor, Phase.A);
        a.Geometry.Origin.X += 3;
        header.Header.Phases.Add(a);

        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => _server.UploadAsync([header]));
        Assert.Equal("DUPLICATE_PHASE_DATA", RpcAssert.Reason(e));
        Assert.Contains("phase P has the same data (SHA-256) as phase A", e.Status.Detail);
        var found = await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => _server.Studies.FindStudyAsync(new FindStudyRequest { Phases = { p.Descriptor, a } }).ResponseAsync);
        Assert.Equal("DUPLICATE_PHASE_DATA", RpcAssert.Reason(found));
    }

    /// <summary>A float32 P phase with <paramref name="value"/> at two voxels (header hash matching).</summary>
    private static List<UploadStudyRequest> FloatUpload(float value)
    {
        var f = SyntheticStudy.Phase(Phase.P, 40, 32, 12, seed: 7, type: VoxelType.Float32);
        BitConverter.TryWriteBytes(f.Bytes.AsSpan(400), value);
        BitConverter.TryWriteBytes(f.Bytes.AsSpan(f.Bytes.Length - 4), value);
        f.Descriptor.Sha256 = ByteString.CopyFrom(SHA256.HashData(f.Bytes));
        return SyntheticStudy.Upload(f);
    }

    [Fact]
    public async Task NonFiniteVoxelsAreCountedInTheRefusalAndHugeFiniteOnesAreStored()
    {
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument, () => _server.UploadAsync(FloatUpload(float.NaN)));
        Assert.Equal("NON_FINITE_VOXELS", RpcAssert.Reason(e));
        Assert.StartsWith("phase P: 2 of 15360 float32 voxels are NaN or infinite", e.Status.Detail);

        var stored = await _server.UploadAsync(FloatUpload(float.MaxValue));
        Assert.False(stored.AlreadyStored);
    }

    [Fact]
    public async Task AChunkFarPastTheEndIsDescribedWithoutWrappingAround()
    {
        var p = SyntheticStudy.Phase(Phase.P, 40, 32, 12, seed: 7);
        var e = await RpcAssert.FailsWith(StatusCode.InvalidArgument,
            () => _server.UploadAsync([SyntheticStudy.Header(p), SyntheticStudy.Chunk(Phase.P, ulong.MaxValue - 3, new byte[10])]));
        Assert.Equal("chunk of 10 bytes at offset 18446744073709551612 reaches outside phase P of 30720 bytes", e.Status.Detail);
    }

    /// <summary>A chunk claiming to be compressed whose data is not a valid frame/block of that codec.</summary>
    private static UploadStudyRequest Compressed(UploadStudyRequest chunk, Compression codec)
    {
        chunk.Chunk.Compression = codec;
        chunk.Chunk.UncompressedLength = (uint)chunk.Chunk.Data.Length;
        chunk.Chunk.Data = ByteString.CopyFrom(Enumerable.Range(0, 300).Select(n => (byte)(n * 37 + 11)).ToArray());
        return chunk;
    }
}
