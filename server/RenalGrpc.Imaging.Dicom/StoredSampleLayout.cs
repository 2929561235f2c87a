namespace RenalGrpc.Imaging.Dicom;

/// <summary>How GDCM's decoded buffer holds one sample: its width, which bits carry it, signedness.</summary>
internal readonly record struct StoredSampleLayout(int BitsAllocated, int BitsStored, int HighBit, bool Signed)
{
    /// <summary>Signed samples narrower than their container: GDCM leaves the upper bits as stored, unextended.</summary>
    public bool NeedsSignExtension => Signed && BitsAllocated > 1 && HighBit < BitsAllocated - 1;

    /// <summary>Bytes of one frame (bit-packed for 1-bit data, whose frames need not start on a byte).</summary>
    public long FrameBytes(long pixelsPerFrame) => BitsAllocated == 1 ? (pixelsPerFrame + 7) / 8 : pixelsPerFrame * (BitsAllocated / 8);

    public long TotalBytes(long pixelsPerFrame, int frames) =>
        BitsAllocated == 1 ? (pixelsPerFrame * frames + 7) / 8 : pixelsPerFrame * frames * (BitsAllocated / 8);

    public override string ToString() =>
        $"{(Signed ? "signed" : "unsigned")} {BitsStored} of {BitsAllocated} bits (high bit {HighBit})";
}
