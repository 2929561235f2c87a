namespace RenalGrpc.Server.Storage;

/// <summary>
/// Exact-size voxel buffers with a small bounded free list. ArrayPool&lt;byte&gt;.Shared rounds
/// requests up to the next power of two (a 105 MB phase takes a 128 MB array), which alone put
/// the server's peak RSS at 1.6x the stored bytes; exact sizes keep it near 1x. Returned buffers
/// are kept only up to <see cref="MaxRetainedBytes"/> so a later upload of the same shape (the
/// common case: the same scanner protocol) reuses them instead of making large-object garbage.
/// </summary>
public sealed class VolumeBufferPool(long maxRetainedBytes)
{
    private readonly Dictionary<int, Stack<byte[]>> _free = [];
    private readonly Lock _gate = new();
    private long _retainedBytes;

    public long MaxRetainedBytes { get; } = maxRetainedBytes;

    public long RetainedBytes
    {
        get
        {
            lock (_gate) return _retainedBytes;
        }
    }

    /// <summary>A buffer of exactly <paramref name="length"/> bytes; its content is undefined.</summary>
    public byte[] Rent(int length)
    {
        lock (_gate)
        {
            if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                _retainedBytes -= length;
                return stack.Pop();
            }
        }
        return GC.AllocateUninitializedArray<byte>(length);
    }

    public void Return(byte[] buffer)
    {
        lock (_gate)
        {
            if (_retainedBytes + buffer.Length > MaxRetainedBytes) return; // let the GC have it
            if (!_free.TryGetValue(buffer.Length, out var stack)) _free[buffer.Length] = stack = new Stack<byte[]>();
            stack.Push(buffer);
            _retainedBytes += buffer.Length;
        }
    }
}
