using System.Runtime.InteropServices;

namespace RenalGrpc.Engine.Analysis;

/// <summary>
/// Hands memory freed by libtorch back to the OS. glibc keeps freed arenas, so without this the
/// process RSS creeps to the peak of the largest study (PLATFORM.md: ~1.1 GB instead of ~200 MB);
/// malloc_trim(0) costs about 30 ms. Linux/glibc only; elsewhere (or with musl) it does nothing.
/// </summary>
public static partial class NativeHeap
{
    /// <summary>True when memory was released; false when nothing was or the call is unavailable.</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
