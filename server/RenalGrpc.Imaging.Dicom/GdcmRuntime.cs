using System.Runtime.CompilerServices;

namespace RenalGrpc.Imaging.Dicom;

/// <summary>
/// Loads GDCM once and turns its console chatter off. Every public DICOM entry point calls
/// <see cref="EnsureLoaded"/> before touching a gdcm type, so that a missing wrapper or glue
/// library surfaces as an <see cref="ImagingException"/> naming the Debian package instead of a
/// TypeInitializationException from deep inside a read.
/// </summary>
internal static class GdcmRuntime
{
    public const string DebianPackage = "libgdcm-cil";

    private static readonly Lazy<Exception?> LoadFailure = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);

    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } failure)
        {
            throw new ImagingException(
                $"GDCM could not be loaded ({failure.GetType().Name}: {failure.Message}). DICOM reading needs the Debian package " +
                $"{DebianPackage} (apt-get install {DebianPackage}) and libgdcmsharpglue.so beside the application.", failure);
        }
    }

    private static Exception? TryLoad()
    {
        try
        {
            SilenceGdcm();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or FileNotFoundException
                                       or FileLoadException or BadImageFormatException or EntryPointNotFoundException)
        {
            return e is TypeInitializationException { InnerException: { } inner } ? inner : e;
        }
    }

    // Separate, never inlined: the JIT resolves gdcm-sharp.dll when it compiles this method, so a
    // missing assembly throws here, inside TryLoad's catch.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SilenceGdcm()
    {
        // GDCM writes warnings and decoder errors to stderr; we report problems as exceptions.
        gdcm.Trace.WarningOff();
        gdcm.Trace.ErrorOff();
        gdcm.Trace.DebugOff();
    }
}
