using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary><c>struct kvm_segment</c>: a segment register with its hidden descriptor cache.</summary>
[NativeStruct("kvm_segment")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmSegment
{
    public ulong Base;
    public uint Limit;
    public ushort Selector;
    public byte Type;
    public byte Present, Dpl, Db, S, L, G, Avl;
    public byte Unusable;
    public byte Padding;
}

/// <summary><c>struct kvm_dtable</c>: GDTR or IDTR.</summary>
[NativeStruct("kvm_dtable")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmDtable
{
    public ulong Base;
    public ushort Limit;
    public fixed ushort Padding[3];
}

/// <summary><c>struct kvm_sregs</c> (x86-64): KVM_GET_SREGS / KVM_SET_SREGS.</summary>
[NativeStruct("kvm_sregs")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmSregs
{
    /// <summary>(KVM_NR_INTERRUPTS + 63) / 64 words of pending-interrupt bits.</summary>
    public const int InterruptBitmapWords = (256 + 63) / 64;

    public KvmSegment Cs, Ds, Es, Fs, Gs, Ss;
    public KvmSegment Tr, Ldt;
    public KvmDtable Gdt, Idt;
    public ulong Cr0, Cr2, Cr3, Cr4, Cr8;
    public ulong Efer;
    public ulong ApicBase;
    public fixed ulong InterruptBitmap[InterruptBitmapWords];
}
