using SkiaSharp;

namespace RenalGrpc.Preview;

/// <summary>
/// The font for captions. The NoDependencies Skia build has no fontconfig, so its default typeface may
/// have no glyphs; then a sans-serif TrueType file of the system is loaded directly.
/// </summary>
internal static class CaptionTypeface
{
    private static readonly string[] Candidates =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ];

    private static readonly Lazy<SKTypeface?> Cached = new(Find);

    public static SKTypeface? Load() => Cached.Value;

    private static SKTypeface? Find()
    {
        var fallback = SKTypeface.Default;
        if (fallback is not null && HasLatinGlyphs(fallback)) return fallback;
        foreach (var path in Candidates.Where(File.Exists))
        {
            var face = SKTypeface.FromFile(path);
            if (face is not null && HasLatinGlyphs(face)) return face;
        }
        return null;
    }

    private static bool HasLatinGlyphs(SKTypeface face)
    {
        using var font = new SKFont(face);
        return font.ContainsGlyphs("Ak");
    }
}
