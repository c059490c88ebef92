using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SYSENTER and SYSEXIT (SDM Vol. 2B, and Vol. 3 5.8.7): the fast system call of 32-bit code, Intel's
/// form, which also runs in IA-32e mode (from 64-bit and compatibility mode; 32-bit user code on a
/// 64-bit kernel uses it). The targets come from IA32_SYSENTER_CS/ESP/EIP; the segments are loaded
/// flat without reading the GDT. SYSEXIT with REX.W returns to 64-bit user code (CS = SYSENTER_CS + 32).
/// </summary>
internal sealed partial class Cpu
{
    private const uint MsrSysenterCs = 0x174;
    private const uint MsrSysenterEsp = 0x175;
    private const uint MsrSysenterEip = 0x176;

    /// <summary>SYSENTER: CPL 0 flat segments from SYSENTER_CS, RSP/RIP from the MSRs; VM, IF and RF cleared.</summary>
    private void Sysenter()
    {
        if (!ProtectedMode || (SysenterCs & 0xFFFC) == 0)
            throw GP();
        bool longMode = LongModeActive;
        ushort cs = (ushort)(SysenterCs & 0xFFFC);
        uint oldFlags = Flags;
        Flags = oldFlags & ~(Eflags.VM | Eflags.IF | Eflags.RF);
        Segs[Seg.CS] = FlatSegment(cs, 0xB, 0, longMode);
        Segs[Seg.SS] = FlatSegment((ushort)(cs + 8), 0x3, 0, longMode: false);
        Cpl = 0;
        R64(Gpr.ESP) = longMode ? SysenterEsp : (uint)SysenterEsp;
        Rip = longMode ? SysenterEip : (uint)SysenterEip;
        StateChanged();
        FlagsChanged(oldFlags);
    }

    /// <summary>SYSEXIT at CPL 0: CPL 3 flat segments (CS = SYSENTER_CS + 16, or + 32 for 64-bit code), RSP = RCX, RIP = RDX.</summary>
    private void Sysexit(ref DecodedInstruction d)
    {
        if (!ProtectedMode || (SysenterCs & 0xFFFC) == 0 || Cpl != 0 || V86Mode)
            throw GP();
        bool to64 = d.I.Code == Code.Sysexitq;
        ulong rsp = to64 ? R64(Gpr.ECX) : R(Gpr.ECX);
        ulong rip = to64 ? R64(Gpr.EDX) : R(Gpr.EDX);
        if (to64 && (!IsCanonical(rip) || !IsCanonical(rsp)))
            throw GP();
        ushort cs = (ushort)SysenterCs;
        Segs[Seg.CS] = FlatSegment((ushort)((cs + (to64 ? 32 : 16)) | 3), 0xB, 3, longMode: to64);
        Segs[Seg.SS] = FlatSegment((ushort)((cs + (to64 ? 40 : 24)) | 3), 0x3, 3, longMode: false);
        Cpl = 3;
        R64(Gpr.ESP) = rsp;
        Rip = rip;
        StateChanged();
    }

    private bool TryReadSysenterMsr(uint msr, out ulong value)
    {
        value = msr switch
        {
            MsrSysenterCs => SysenterCs,
            MsrSysenterEsp => SysenterEsp,
            MsrSysenterEip => SysenterEip,
            _ => 0,
        };
        return msr is MsrSysenterCs or MsrSysenterEsp or MsrSysenterEip;
    }

    /// <summary>SYSENTER_CS keeps its low 16 bits (as QEMU); ESP and EIP take canonical addresses only (#GP otherwise, SDM WRMSR).</summary>
    private bool TryWriteSysenterMsr(uint msr, ulong value)
    {
        switch (msr)
        {
            case MsrSysenterCs: SysenterCs = value & 0xFFFF; return true;
            case MsrSysenterEsp when IsCanonical(value): SysenterEsp = value; return true;
            case MsrSysenterEip when IsCanonical(value): SysenterEip = value; return true;
            case MsrSysenterEsp or MsrSysenterEip: throw GP();
            default: return false;
        }
    }
}
