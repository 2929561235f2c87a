using System.Diagnostics;
using Grpc.Core;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>One attempt at the UploadStudy client stream: the header, then every phase's chunks in order.</summary>
internal sealed class StudyUploadCall(
    Proto.StudyService.StudyServiceClient client,
    StudyDescriptors study,
    ChunkCompression compression,
    IProgress<UploadProgress>? progress)
{
    public async Task<UploadResult> RunAsync(CallOptions options, double hashSeconds)
    {
        var clock = Stopwatch.StartNew();
        using var call = client.UploadStudy(options);
        long wireBytes;
        try
        {
            wireBytes = await SendAsync(call.RequestStream);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException or OperationCanceledException
            && !options.CancellationToken.IsCancellationRequested)
        {
            // A server that rejects the header or a chunk ends the call; writing then fails with a
            // generic error while the real status (with its field violations) is in the response.
            await call.ResponseAsync;
            throw;
        }
        var response = await call.ResponseAsync;
        double seconds = clock.Elapsed.TotalSeconds;
        return new UploadResult(response.StudyId, response.ExpiresAt?.ToDateTimeOffset() ?? default, response.AlreadyStored,
            study.TotalBytes, wireBytes, seconds, hashSeconds);
    }

    private async Task<long> SendAsync(IClientStreamWriter<Proto.UploadStudyRequest> stream)
    {
        var header = new Proto.UploadHeader();
        header.Phases.AddRange(study.Phases.Select(p => p.Descriptor));
        await stream.WriteAsync(new Proto.UploadStudyRequest { Header = header });

        using var encoder = new ChunkEncoder(compression, RenalClient.ChunkBytes);
        var wireCompression = ProtoMapping.MapToCompression(compression);
        long sent = 0, wire = 0;
        foreach (var phase in study.Phases)
        {
            var buffer = phase.Volume.Buffer;
            for (int offset = 0; offset < buffer.Length; offset += RenalClient.ChunkBytes)
            {
                int length = Math.Min(RenalClient.ChunkBytes, buffer.Length - offset);
                var data = encoder.Encode(buffer, offset, length);
                var chunk = new Proto.VolumeChunk
                {
                    Phase = phase.Descriptor.Phase,
                    Offset = (ulong)offset,
                    Data = data,
                    Compression = wireCompression,
                    UncompressedLength = compression == ChunkCompression.None ? 0u : (uint)length,
                };
                await stream.WriteAsync(new Proto.UploadStudyRequest { Chunk = chunk });
                sent += length;
                wire += data.Length;
                progress?.Report(new UploadProgress(sent, study.TotalBytes, phase.Code));
            }
        }
        return wire;
    }
}
