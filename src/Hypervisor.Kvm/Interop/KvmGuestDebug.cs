using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary><c>struct kvm_guest_debug_arch</c> (x86): DR0-DR7 as the debugger wants them.</summary>
[NativeStruct("kvm_guest_debug_arch")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmGuestDebugArch
{
    public fixed ulong Debugreg[8];
}

/// <summary><c>struct kvm_guest_debug</c>: KVM_SET_GUEST_DEBUG.</summary>
[NativeStruct("kvm_guest_debug")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmGuestDebug
{
    /// <summary><see cref="KvmGuestDebugFlags"/>.</summary>
    public uint Control;
    public uint Pad;
    public KvmGuestDebugArch Arch;
}

/// <summary><c>KVM_GUESTDBG_*</c>: what KVM_SET_GUEST_DEBUG turns on.</summary>
[NativeConstants("KVM_GUESTDBG_")]
internal static class KvmGuestDebugFlags
{
    public const uint Enable = 0x1;
    [NativeName("KVM_GUESTDBG_SINGLESTEP")]
    public const uint SingleStep = 0x2;
    /// <summary>#BP (INT3) exits to userspace as KVM_EXIT_DEBUG instead of reaching the guest.</summary>
    public const uint UseSwBp = 0x10000;
    /// <summary>The debugger's DR0-DR3/DR7 are loaded while the guest runs.</summary>
    public const uint UseHwBp = 0x20000;
}

/// <summary><c>struct kvm_translation</c>: KVM_TRANSLATE, a linear address through the vCPU's paging.</summary>
[NativeStruct("kvm_translation")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmTranslation
{
    public ulong LinearAddress;
    public ulong PhysicalAddress;
    public byte Valid;
    public byte Writeable;
    public byte Usermode;
    public fixed byte Pad[5];
}
