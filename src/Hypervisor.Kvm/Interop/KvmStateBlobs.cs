using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

// vCPU state a snapshot saves as it is and gives back unchanged: only the size matters here (each
// is the size of its C structure, which the ioctl numbers in KvmStateIoctl encode and the ABI test
// checks against <linux/kvm.h>).

/// <summary><c>struct kvm_fpu</c> (416 bytes): KVM_GET_FPU / KVM_SET_FPU.</summary>
[StructLayout(LayoutKind.Sequential, Size = 416)]
internal struct KvmFpuBlob;

/// <summary><c>struct kvm_vcpu_events</c> (64 bytes): pending exception, interrupt, NMI, SMI, the interrupt shadow.</summary>
[StructLayout(LayoutKind.Sequential, Size = 64)]
internal struct KvmVcpuEventsBlob;

/// <summary><c>struct kvm_xsave</c> (4096 bytes): the XSAVE area (x87, SSE, AVX...).</summary>
[StructLayout(LayoutKind.Sequential, Size = 4096)]
internal struct KvmXsaveBlob;

/// <summary><c>struct kvm_xcrs</c> (392 bytes): XCR0.</summary>
[StructLayout(LayoutKind.Sequential, Size = 392)]
internal struct KvmXcrsBlob;

/// <summary><c>struct kvm_msrs</c>'s header (8 bytes), the size KVM_GET_MSRS encodes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmMsrsHeader
{
    public uint Nmsrs;
    public uint Pad;
}

/// <summary>A <c>struct kvm_msrs</c> of one <c>struct kvm_msr_entry</c>: one MSR read or written at a time.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmOneMsr
{
    public KvmMsrsHeader Header;
    public uint Index;
    public uint Reserved;
    public ulong Data;
}

/// <summary><c>struct kvm_irqchip</c> (520 bytes): chip id, pad, and a PIC's or the IOAPIC's state (KVM_GET/SET_IRQCHIP).</summary>
[StructLayout(LayoutKind.Sequential, Size = 520)]
internal struct KvmIrqchipBlob
{
    public uint ChipId;
}

/// <summary><c>struct kvm_pit_state2</c> (112 bytes): the in-kernel i8254's three channels and flags.</summary>
[StructLayout(LayoutKind.Sequential, Size = 112)]
internal struct KvmPit2Blob;

/// <summary><c>struct kvm_lapic_state</c> (1024 bytes): a vCPU's in-kernel local APIC register page.</summary>
[StructLayout(LayoutKind.Sequential, Size = 1024)]
internal struct KvmLapicBlob;

/// <summary><c>struct kvm_mp_state</c> (4 bytes): runnable, waiting for INIT/SIPI, halted.</summary>
[StructLayout(LayoutKind.Sequential, Size = 4)]
internal struct KvmMpStateBlob;

/// <summary><c>struct kvm_clock_data</c> (48 bytes): the VM's kvmclock; only <see cref="Clock"/> (ns) is saved and set.</summary>
[StructLayout(LayoutKind.Sequential, Size = 48)]
internal struct KvmClockData
{
    public ulong Clock;
    public uint Flags;
}
