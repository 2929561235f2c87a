namespace RenalGrpc.Imaging.Nifti;

/// <summary>
/// The fields of a NIfTI-1 or NIfTI-2 header that matter for reading an image, widened to the
/// NIfTI-2 types (int64 dims, float64 everything) so the rest of the reader has one shape.
/// </summary>
public sealed record NiftiHeader
{
    public const int Nifti1HeaderSize = 348;
    public const int Nifti2HeaderSize = 540;

    /// <summary>1 or 2.</summary>
    public required int Version { get; init; }
    public required bool BigEndian { get; init; }
    /// <summary>dim[0..7]: dim[0] is the number of dimensions used.</summary>
    public required IReadOnlyList<long> Dim { get; init; }
    public required short DataTypeCode { get; init; }
    public required int BitPix { get; init; }
    /// <summary>pixdim[0..7]: pixdim[0] is qfac, pixdim[1..3] the voxel size.</summary>
    public required IReadOnlyList<double> PixDim { get; init; }
    /// <summary>Byte offset of the voxels as stored (0 means "right after the header" for single files).</summary>
    public required long VoxOffset { get; init; }
    public required double SclSlope { get; init; }
    public required double SclInter { get; init; }
    public required int QFormCode { get; init; }
    public required int SFormCode { get; init; }
    /// <summary>quatern_b, quatern_c, quatern_d.</summary>
    public required (double B, double C, double D) Quaternion { get; init; }
    public required Vec3 QOffset { get; init; }
    /// <summary>srow_x, srow_y, srow_z: the 3x4 sform, row-major.</summary>
    public required IReadOnlyList<double> SRow { get; init; }
    public required int XyztUnits { get; init; }
    public required string Magic { get; init; }
    public required string Description { get; init; }

    public int HeaderSize => Version == 1 ? Nifti1HeaderSize : Nifti2HeaderSize;

    public NiftiDataType DataType => (NiftiDataType)DataTypeCode;

    /// <summary>Where the voxels start: vox_offset, or header + 4 extension-flag bytes when it is 0 (as nibabel does).</summary>
    public long DataOffset => VoxOffset == 0 ? HeaderSize + 4 : VoxOffset;

    /// <summary>Extent of dimension d (1..7); dimensions past dim[0] count as 1.</summary>
    public long Extent(int d) => d <= Dim[0] ? Dim[d] : 1;

    /// <summary>Number of 3-D volumes stacked along dim[4].</summary>
    public long VolumeCount => Extent(4);

    /// <summary>Millimetres per spatial unit of pixdim / affine (xyzt_units &amp; 7): 0 unknown and 2 mm are 1.</summary>
    public double MillimetresPerUnit => (XyztUnits & 7) switch
    {
        1 => 1000.0,  // metre
        3 => 0.001,   // micron
        _ => 1.0,
    };
}
