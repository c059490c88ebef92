namespace Hypervisor.Core.Memory;

/// <summary>The host cannot give a RAM slot the memory it asks for (mmap refused it, or it exceeds the host's RAM and swap).</summary>
public sealed class HostMemoryException(string message) : Exception(message)
{
    private const int OutOfMemory = 12; // ENOMEM

    internal HostMemoryException(ulong guestAddress, ulong size, int errno)
        : this(errno == OutOfMemory
            ? $"the host cannot reserve {HostMemory.Describe(size)} of address space for it (mmap: out of memory; see ulimit -v and vm.overcommit_memory)"
            : $"the host cannot map {HostMemory.Describe(size)} for it (mmap failed with errno {errno})")
    {
        GuestAddress = guestAddress;
    }

    /// <summary>The guest physical base of the slot the host refused.</summary>
    public ulong GuestAddress { get; }
}
