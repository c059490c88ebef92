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
