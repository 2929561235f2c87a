namespace RenalGrpc.Preview;

/// <summary>A CT display window: values below Level - Width/2 are black, above Level + Width/2 white, linear between.</summary>
public readonly record struct HounsfieldWindow(double Width, double Level)
{
    /// <summary>The abdominal soft-tissue window W400 L40 (kidney, lesions and enhancement differences visible).</summary>
    public static HounsfieldWindow SoftTissue { get; } = new(400, 40);

    public double Lower => Level - Width / 2;
    public double Upper => Level + Width / 2;

    public byte ToGray(double hounsfield)
    {
        if (!(hounsfield > Lower)) return 0; // NaN is shown black too
        if (hounsfield >= Upper) return 255;
        return (byte)Math.Round((hounsfield - Lower) / Width * 255.0);
    }
}
