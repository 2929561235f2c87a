using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace RenalGrpc.Server.Hosting;

/// <summary>
/// Kestrel's memory pool hands out 4 KiB blocks, so every socket read is at most 4 KiB and a
/// 1 MiB upload chunk crosses 256 pipe segments (and as many pool round trips) twice: once in the
/// connection's input pipe, once in the HTTP/2 stream's body pipe. For a 420 MB study that is
/// ~100,000 recv calls and the largest single cost on the receive path after SHA-256. Blocks of
/// <see cref="BlockSize"/> make each read up to 16x larger; at most <see cref="MaxRetainedBlocks"/>
/// free blocks are kept, so idle memory stays bounded (a few MB) however many connections came and went.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;
    public const int MaxRetainedBlocks = 128;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private volatile bool _disposed;

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Rented = true;
            return block;
        }

        // Pinned (pinned object heap): socket reads pin their buffer, which is free for these.
        return new Block(this, GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true));
    }

    private void Return(Block block)
    {
        if (_disposed || Interlocked.Increment(ref _freeCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return; // the GC takes it
        }

        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private sealed class Block(LargeBlockMemoryPool pool, byte[] array) : IMemoryOwner<byte>
    {
        public bool Rented { get; set; } = true;

        // No use-after-dispose check: a throw inside Kestrel's pipes would only tear down a connection.
        public Memory<byte> Memory => array;

        public void Dispose()
        {
            // A pipe disposes each segment's owner once; the check keeps a stray second dispose from
            // putting one block in the free list twice (two owners writing the same memory).
            if (!Rented) return;
            Rented = false;
            pool.Return(this);
        }
    }
}

/// <summary>Gives Kestrel's socket transport <see cref="LargeBlockMemoryPool"/>s instead of its 4 KiB-block pool.</summary>
internal sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}
