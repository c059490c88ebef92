using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary><c>struct kvm_regs</c> (x86-64): KVM_GET_REGS / KVM_SET_REGS.</summary>
[NativeStruct("kvm_regs")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRegs
{
    public ulong Rax, Rbx, Rcx, Rdx;
    public ulong Rsi, Rdi, Rsp, Rbp;
    public ulong R8, R9, R10, R11;
    public ulong R12, R13, R14, R15;
    public ulong Rip, Rflags;
}
