using RenalGrpc.Engine.Analysis;
using RenalGrpc.Imaging;
using RenalGrpc.Server.Storage;

namespace RenalGrpc.Server.Analysis;

/// <summary>An ADD hint on the inference thread: stage 1 around the point, the lesion found there painted in.</summary>
internal static class LesionPainting
{
    public static Volume AddLesionAt(IStudyAnalyzer analyzer, AlignedStudy aligned, Volume labels, Vec3 pointLps, CancellationToken cancellationToken)
    {
        Volume? lesion;
        try
        {
            lesion = analyzer.SegmentLesionAt(aligned, pointLps, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw StudyRequestException.Invalid("header.hint.point_lps", e.Message, "POINT_OUTSIDE_GRID");
        }

        if (lesion is null)
        {
            throw StudyRequestException.Invalid("header.hint.point_lps",
                $"the network finds no tumor or cyst within {LocalLesionSegmentation.SnapRadiusMm:0} mm of ({pointLps.X:F1}, {pointLps.Y:F1}, {pointLps.Z:F1}) mm; paint the lesion and send it as a region edit",
                "NO_LESION_FOUND");
        }

        // Over background and kidney only: a lesion the user already has keeps its voxels and label.
        var painted = (byte[])labels.Buffer.Clone();
        var found = lesion.Buffer;
        for (var n = 0; n < painted.Length; n++)
        {
            if (found[n] != 0 && painted[n] <= KidneyLabels.Kidney)
            {
                painted[n] = found[n];
            }
        }

        return new Volume(labels.Geometry, VoxelType.UInt8, painted);
    }
}
