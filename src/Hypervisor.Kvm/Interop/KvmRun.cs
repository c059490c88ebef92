using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary>
/// The declared prefix of <c>struct kvm_run</c>, the page KVM shares with the VMM through mmap of a
/// vCPU descriptor. Read in place through a pointer: never copied, never marshalled.
/// </summary>
[NativeStruct("kvm_run", PrefixOnly = true)]
[StructLayout(LayoutKind.Explicit)]
internal unsafe struct KvmRun
{
    /// <summary>Where the exit union starts.</summary>
    private const int ExitUnion = 32;

    // in
    [FieldOffset(0)] public byte RequestInterruptWindow;
    [FieldOffset(1)] public byte ImmediateExit;
    [FieldOffset(2)] public fixed byte Padding1[6];

    // out
    [FieldOffset(8)] public uint ExitReason;
    [FieldOffset(12)] public byte ReadyForInterruptInjection;
    [FieldOffset(13)] public byte IfFlag;
    [FieldOffset(14)] public ushort Flags;

    // in (before KVM_RUN), out (after)
    [FieldOffset(16)] public ulong Cr8;
    [FieldOffset(24)] public ulong ApicBase;

    // The exit union: which member is valid depends on ExitReason.
    [FieldOffset(ExitUnion)] public KvmRunHw Hw;
    [FieldOffset(ExitUnion)] public KvmRunFailEntry FailEntry;
    [FieldOffset(ExitUnion)] public KvmRunIo Io;
    [FieldOffset(ExitUnion)] public KvmRunDebug Debug;
    [FieldOffset(ExitUnion)] public KvmRunMmio Mmio;
    [FieldOffset(ExitUnion)] public KvmRunInternal Internal;
}

/// <summary><c>kvm_run.hw</c> (KVM_EXIT_UNKNOWN).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunHw
{
    public ulong HardwareExitReason;
}

/// <summary><c>kvm_run.fail_entry</c> (KVM_EXIT_FAIL_ENTRY).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunFailEntry
{
    public ulong HardwareEntryFailureReason;
    public uint Cpu;
}

/// <summary><c>kvm_run.io</c> (KVM_EXIT_IO); the data is inside the kvm_run mapping at DataOffset.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunIo
{
    public byte Direction;
    /// <summary>Bytes per access.</summary>
    public byte Size;
    public ushort Port;
    public uint Count;
    /// <summary>Relative to the start of kvm_run.</summary>
    public ulong DataOffset;
}

/// <summary><c>kvm_run.debug</c> (KVM_EXIT_DEBUG).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KvmRunDebug
{
    public KvmDebugExitArch Arch;
}

/// <summary><c>struct kvm_debug_exit_arch</c> (x86).</summary>
[NativeStruct("kvm_debug_exit_arch")]
[StructLayout(LayoutKind.Sequential)]
internal struct KvmDebugExitArch
{
    public uint Exception;
    public uint Pad;
    public ulong Pc;
    public ulong Dr6;
    public ulong Dr7;
}

/// <summary><c>kvm_run.mmio</c> (KVM_EXIT_MMIO); a read is completed by writing Data before the next KVM_RUN.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmRunMmio
{
    public ulong PhysAddr;
    public fixed byte Data[8];
    public uint Len;
    public byte IsWrite;
}

/// <summary><c>kvm_run.internal</c> (KVM_EXIT_INTERNAL_ERROR).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct KvmRunInternal
{
    public const int MaxData = 16;

    public uint Suberror;
    /// <summary>Valid words in Data (KVM_CAP_INTERNAL_ERROR_DATA).</summary>
    public uint Ndata;
    public fixed ulong Data[MaxData];
}
