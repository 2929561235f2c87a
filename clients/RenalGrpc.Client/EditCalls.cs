using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Core;
using RenalGrpc.Imaging;
using Proto = RenalGrpc.V1;

namespace RenalGrpc.Client;

/// <summary>The server's answer to an edit: the new revision, the box of voxels that changed (null when none) and the new diagnosis.</summary>
public sealed record EditResult(uint Revision, VoxelBox? ChangedRegion, Proto.Diagnosis Diagnosis, long BytesSent);

/// <summary>A stored revision of a study's labels (SHA-256 checked).</summary>
public sealed record StoredSegmentation(Volume Labels, uint Revision, string GridPhase, bool IsReferenceGrid);

/// <summary>The SubmitEdit and GetSegmentation streams.</summary>
internal static class EditCalls
{
    public static async Task<EditResult> SubmitAsync(Proto.AnalysisService.AnalysisServiceClient client, string studyId, uint baseRevision, LabelEdit edit, CallOptions options)
    {
        var header = new Proto.EditHeader { StudyId = studyId, BaseRevision = baseRevision };
        switch (edit)
        {
            case RegionEdit region:
                header.Region = new Proto.RegionEdit
                {
                    Box = new Proto.VoxelBox
                    {
                        I0 = (uint)region.Box.I0, J0 = (uint)region.Box.J0, K0 = (uint)region.Box.K0,
                        SizeI = (uint)region.Box.SizeI, SizeJ = (uint)region.Box.SizeJ, SizeK = (uint)region.Box.SizeK,
                    },
                    RunLengths = { region.RunLengths },
                    RunLabels = ByteString.CopyFrom(region.RunLabels),
                };
                break;
            case WholeMapEdit whole:
                if (whole.Labels.VoxelType != VoxelType.UInt8) throw new ArgumentException($"labels must be uint8, not {whole.Labels.VoxelType}", nameof(edit));
                header.WholeLabelMap = new Proto.WholeLabelMapEdit
                {
                    ByteLength = (ulong)whole.Labels.Buffer.LongLength,
                    Sha256 = ByteString.CopyFrom(SHA256.HashData(whole.Labels.Buffer)),
                };
                break;
            case LesionHintEdit hint:
                header.Hint = new Proto.LesionHint
                {
                    PointLps = new Proto.Vector3 { X = hint.PointLps.X, Y = hint.PointLps.Y, Z = hint.PointLps.Z },
                    Action = hint.Add ? Proto.LesionHint.Types.Action.Add : Proto.LesionHint.Types.Action.Remove,
                };
                break;
            default:
                throw new ArgumentException($"unknown edit {edit.GetType().Name}", nameof(edit));
        }

        var first = new Proto.SubmitEditRequest { Header = header };
        long sent = first.CalculateSize();
        using var call = client.SubmitEdit(options);
        try
        {
            await call.RequestStream.WriteAsync(first, options.CancellationToken);
            if (edit is WholeMapEdit map)
            {
                var buffer = map.Labels.Buffer;
                for (var offset = 0; offset < buffer.Length; offset += RenalClient.ChunkBytes)
                {
                    var chunk = new Proto.SubmitEditRequest
                    {
                        Chunk = new Proto.VolumeChunk
                        {
                            Offset = (ulong)offset,
                            Data = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(offset, Math.Min(RenalClient.ChunkBytes, buffer.Length - offset))),
                        },
                    };
                    sent += chunk.CalculateSize();
                    await call.RequestStream.WriteAsync(chunk, options.CancellationToken);
                }
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server refused early (e.g. a stale revision) while we were writing: its status is in the response.
        }
        catch (InvalidOperationException)
        {
            // Same, reported as a write after the call completed.
        }

        var response = await call.ResponseAsync;
        var box = response.ChangedRegion is { } b && (long)b.SizeI * b.SizeJ * b.SizeK > 0
            ? new VoxelBox((int)b.I0, (int)b.J0, (int)b.K0, (int)b.SizeI, (int)b.SizeJ, (int)b.SizeK)
            : null;
        return new EditResult(response.Revision, box, response.Diagnosis, sent);
    }

    public static async Task<StoredSegmentation> GetAsync(Proto.AnalysisService.AnalysisServiceClient client, Proto.GetSegmentationRequest request, CallOptions options)
    {
        using var call = client.GetSegmentation(request, options);
        AnalyzeCall.LabelAssembly? assembly = null;
        await foreach (var message in call.ResponseStream.ReadAllAsync(options.CancellationToken))
        {
            switch (message.PayloadCase)
            {
                case Proto.SegmentationMessage.PayloadOneofCase.Header:
                    if (assembly is not null) throw new InvalidDataException("the server sent a second segmentation header");
                    assembly = new AnalyzeCall.LabelAssembly(message.Header);
                    break;
                case Proto.SegmentationMessage.PayloadOneofCase.Chunk:
                    if (assembly is null) throw new InvalidDataException("the server sent a label chunk before its header");
                    assembly.Add(message.Chunk);
                    break;
            }
        }

        if (assembly is null) throw new InvalidDataException("the server ended the segmentation stream without a header");
        var header = assembly.Header;
        return new StoredSegmentation(assembly.Finish(), header.Revision, ProtoMapping.MapToPhaseCode(header.GridPhase), header.IsReferenceGrid);
    }
}
