using System.Collections.Concurrent;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Decoded and translated code kept coherent between the vCPUs of one VM. Each vCPU has its own
/// decode cache, while the bits that say which 64-byte chunks hold decoded code are shared
/// (<see cref="Memory.PhysicalMemory"/>). A vCPU that stores into such a chunk drops its own entries
/// and queues the chunks to every other vCPU, which drops them before its next block (the bits are
/// already clear, so it is told the chunks themselves); a vCPU that decodes the first instruction of a
/// page tells the others to stop writing that page through their TLB's direct pointers, so their
/// stores to it are seen too. Cross-modifying code becomes visible to another vCPU at its next block
/// boundary, which the SDM's protocol (a serializing instruction on the executing vCPU, SDM Vol. 3,
/// 8.1.3) already waits for.
/// </summary>
internal sealed partial class Cpu
{
    private const int AttentionPeerCode = 128;
    private Cpu[] _peers = [];
    private readonly ConcurrentQueue<(ulong Page, ulong Chunks)> _peerCodeWrites = new();
    private readonly ConcurrentQueue<ulong> _peerCodePages = new();

    /// <summary>The other vCPUs of this VM (set by the VM as it creates them, before any runs).</summary>
    public void SetPeers(Cpu[] peers) => _peers = peers;

    /// <summary>This vCPU dropped <paramref name="chunks"/> of <paramref name="page"/> (physical address of the page) after a store: the others drop them too.</summary>
    private void PeersDropCode(ulong page, ulong chunks)
    {
        foreach (var peer in _peers)
        {
            peer._peerCodeWrites.Enqueue((page, chunks));
            Interlocked.Or(ref peer._attention, AttentionPeerCode);
        }
    }

    /// <summary>This vCPU decoded the first instruction of page number <paramref name="pageNumber"/>: the others revoke their direct writes to it.</summary>
    private void PeersRevokeDirectWrites(ulong pageNumber)
    {
        foreach (var peer in _peers)
        {
            peer._peerCodePages.Enqueue(pageNumber);
            Interlocked.Or(ref peer._attention, AttentionPeerCode);
        }
    }

    /// <summary>From the attention path, between blocks: what the other vCPUs asked.</summary>
    private void ServicePeerCode()
    {
        while (_peerCodePages.TryDequeue(out ulong pageNumber))
            RevokeDirectWrites(pageNumber);
        while (_peerCodeWrites.TryDequeue(out var w))
        {
            _icache.InvalidateChunks(w.Page, w.Chunks);
            InvalidateBlocks(w.Page, w.Chunks);
        }
    }
}
