using System.Diagnostics;
using System.Threading.Channels;
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
            wireBytes = await SendAsync(call.RequestStream, options.CancellationToken);
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

    private async Task<long> SendAsync(IClientStreamWriter<Proto.UploadStudyRequest> stream, CancellationToken cancellationToken)
    {
        var header = new Proto.UploadHeader();
        header.Phases.AddRange(study.Phases.Select(p => p.Descriptor));
        await stream.WriteAsync(new Proto.UploadStudyRequest { Header = header });
        var chunks = compression == ChunkCompression.None ? EncodeAll() : EncodeAhead(cancellationToken);
        long sent = 0, wire = 0;
        await foreach (var chunk in chunks)
        {
            await stream.WriteAsync(chunk.Message);
            sent += chunk.Length;
            wire += chunk.Message.Chunk.Data.Length;
            progress?.Report(new UploadProgress(sent, study.TotalBytes, chunk.Phase));
        }
        return wire;
    }

    // Raw chunks only wrap the volume buffers, so they are made on demand.
    private async IAsyncEnumerable<EncodedChunk> EncodeAll()
    {
        using var encoder = new ChunkEncoder(compression, RenalClient.ChunkBytes);
        foreach (var slice in Slices())
        {
            yield return Encode(encoder, slice);
        }
        await Task.CompletedTask;
    }

    // Compression is CPU work: a producer compresses a few chunks ahead while the previous ones are
    // on the wire, so the two overlap instead of alternating.
    private async IAsyncEnumerable<EncodedChunk> EncodeAhead([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<EncodedChunk>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                using var encoder = new ChunkEncoder(compression, RenalClient.ChunkBytes);
                foreach (var slice in Slices()) await queue.Writer.WriteAsync(Encode(encoder, slice), stop.Token);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            queue.Writer.TryComplete(failure);
        }, CancellationToken.None);
        try
        {
            await foreach (var chunk in queue.Reader.ReadAllAsync(cancellationToken)) yield return chunk;
        }
        finally
        {
            // The writer may stop early (server refused, cancelled): release the producer.
            stop.Cancel();
            await producer;
        }
    }

    private IEnumerable<(PhaseToSend Phase, int Offset, int Length)> Slices()
    {
        foreach (var phase in study.Phases)
        {
            int total = phase.Volume.Buffer.Length;
            for (int offset = 0; offset < total; offset += RenalClient.ChunkBytes)
                yield return (phase, offset, Math.Min(RenalClient.ChunkBytes, total - offset));
        }
    }

    private EncodedChunk Encode(ChunkEncoder encoder, (PhaseToSend Phase, int Offset, int Length) slice)
    {
        var chunk = new Proto.VolumeChunk
        {
            Phase = slice.Phase.Descriptor.Phase,
            Offset = (ulong)slice.Offset,
            Data = encoder.Encode(slice.Phase.Volume.Buffer, slice.Offset, slice.Length),
            Compression = ProtoMapping.MapToCompression(compression),
            UncompressedLength = compression == ChunkCompression.None ? 0u : (uint)slice.Length,
        };
        return new EncodedChunk(new Proto.UploadStudyRequest { Chunk = chunk }, slice.Phase.Code, slice.Length);
    }

    private sealed record EncodedChunk(Proto.UploadStudyRequest Message, string Phase, int Length);
}
