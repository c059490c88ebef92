using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary><c>struct kvm_userspace_memory_region</c>: KVM_SET_USER_MEMORY_REGION.</summary>
[NativeStruct("kvm_userspace_memory_region")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmUserspaceMemoryRegion
{
    public uint Slot;
    public uint Flags;
    public ulong GuestPhysAddr;
    /// <summary>Bytes.</summary>
    public ulong MemorySize;
    /// <summary>Start of the host memory backing the slot.</summary>
    public ulong UserspaceAddr;
}

/// <summary><c>struct kvm_irq_level</c>: KVM_IRQ_LINE (the <c>status</c> alias of <c>irq</c> is unused).</summary>
[NativeStruct("kvm_irq_level")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmIrqLevel
{
    public uint Irq;
    public uint Level;
}

/// <summary><c>struct kvm_ioeventfd</c>: KVM_IOEVENTFD, a guest write that signals an eventfd instead of exiting.</summary>
[NativeStruct("kvm_ioeventfd")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmIoeventfd
{
    /// <summary>The value a write must carry (with <see cref="KvmIoeventfdFlag.Datamatch"/>).</summary>
    public ulong Datamatch;
    public ulong Addr;
    /// <summary>1, 2, 4 or 8 bytes; 0 for any length.</summary>
    public uint Len;
    public int Fd;
    public uint Flags;
    public fixed byte Pad[36];
}

/// <summary><c>struct kvm_irqfd</c>: KVM_IRQFD, an eventfd whose write raises a GSI of the in-kernel irqchip.</summary>
[NativeStruct("kvm_irqfd")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmIrqfd
{
    public uint Fd;
    public uint Gsi;
    public uint Flags;
    public uint Resamplefd;
    public fixed byte Pad[16];
}

/// <summary><c>struct kvm_interrupt</c>: KVM_INTERRUPT, a vector from a userspace interrupt controller.</summary>
[NativeStruct("kvm_interrupt")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmInterrupt
{
    public uint Irq;
}

/// <summary><c>struct kvm_pit_config</c>: KVM_CREATE_PIT2.</summary>
[NativeStruct("kvm_pit_config")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmPitConfig
{
    public uint Flags;
    public fixed uint Pad[15];
}

/// <summary><c>struct kvm_cpuid_entry2</c>: one CPUID leaf/subleaf.</summary>
[NativeStruct("kvm_cpuid_entry2")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmCpuidEntry2
{
    public uint Function;
    public uint Index;
    public uint Flags;
    public uint Eax;
    public uint Ebx;
    public uint Ecx;
    public uint Edx;
    public fixed uint Padding[3];
}

/// <summary>
/// The header of <c>struct kvm_cpuid2</c>; <c>nent</c> entries of <see cref="KvmCpuidEntry2"/> follow it
/// in the same buffer.
/// </summary>
[NativeStruct("kvm_cpuid2", TrailingArray = "entries")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmCpuid2
{
    public uint Nent;
    public uint Padding;
}
