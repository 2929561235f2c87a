using gdcm;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>The DICOM attributes the series reader looks at (group, element as in PS3.6).</summary>
internal static class DicomTags
{
    public static readonly Tag SopClassUid = new(0x0008, 0x0016);
    public static readonly Tag ImageType = new(0x0008, 0x0008);
    public static readonly Tag Modality = new(0x0008, 0x0060);
    public static readonly Tag SeriesDescription = new(0x0008, 0x103E);
    public static readonly Tag SliceThickness = new(0x0018, 0x0050);
    public static readonly Tag SpacingBetweenSlices = new(0x0018, 0x0088);
    public static readonly Tag ImagerPixelSpacing = new(0x0018, 0x1164);
    public static readonly Tag PatientId = new(0x0010, 0x0020);
    public static readonly Tag StudyInstanceUid = new(0x0020, 0x000D);
    public static readonly Tag SeriesInstanceUid = new(0x0020, 0x000E);
    public static readonly Tag SeriesNumber = new(0x0020, 0x0011);
    public static readonly Tag ImagePositionPatient = new(0x0020, 0x0032);
    public static readonly Tag ImageOrientationPatient = new(0x0020, 0x0037);
    public static readonly Tag PlanePositionSequence = new(0x0020, 0x9113);
    public static readonly Tag PlaneOrientationSequence = new(0x0020, 0x9116);
    public static readonly Tag SamplesPerPixel = new(0x0028, 0x0002);
    public static readonly Tag NumberOfFrames = new(0x0028, 0x0008);
    public static readonly Tag FrameIncrementPointer = new(0x0028, 0x0009);
    public static readonly Tag Rows = new(0x0028, 0x0010);
    public static readonly Tag Columns = new(0x0028, 0x0011);
    public static readonly Tag PixelSpacing = new(0x0028, 0x0030);
    public static readonly Tag BitsAllocated = new(0x0028, 0x0100);
    public static readonly Tag RescaleIntercept = new(0x0028, 0x1052);
    public static readonly Tag RescaleSlope = new(0x0028, 0x1053);
    public static readonly Tag PixelMeasuresSequence = new(0x0028, 0x9110);
    public static readonly Tag PixelValueTransformationSequence = new(0x0028, 0x9145);
    public static readonly Tag GridFrameOffsetVector = new(0x3004, 0x000C);
    public static readonly Tag SharedFunctionalGroupsSequence = new(0x5200, 0x9229);
    public static readonly Tag PerFrameFunctionalGroupsSequence = new(0x5200, 0x9230);
    public static readonly Tag PixelData = new(0x7FE0, 0x0010);

    /// <summary>SOP class of DICOMDIR media directories, which are DICOM but never images.</summary>
    public const string MediaStorageDirectoryStorage = "1.2.840.10008.1.3.10";

    /// <summary>Explicit VR big endian (retired, still found in old archives).</summary>
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
}
