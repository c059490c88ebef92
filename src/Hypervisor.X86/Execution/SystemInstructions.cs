using Hypervisor.Core.Accel;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// System instructions: HLT, MOV to/from CR0/CR2/CR3/CR4 and DR0-7, LMSW, SMSW, CLTS, INVD, WBINVD,
/// INVLPG, CPUID, RDTSC, RDMSR, WRMSR, UD0/UD1/UD2. Descriptor-table instructions are in
/// Protection/DescriptorInstructions.cs.
/// </summary>
internal sealed partial class Cpu
{
    private const uint MsrTsc = 0x10;
    private const uint MsrBiosSignId = 0x8B;
    private const uint MsrEfer = 0xC0000080;

    private bool ExecuteSystem(ref DecodedInstruction d)
    {
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Hlt: Hlt(); return true;
            case Mnemonic.Cpuid: Cpuid(); return true;
            case Mnemonic.Swapgs: Swapgs(); return true;
            case Mnemonic.Sysenter: Sysenter(); return true;
            case Mnemonic.Sysexit: case Mnemonic.Sysexitq: Sysexit(ref d); return true;
            case Mnemonic.Rdtsc: Rdtsc(); return true;
            case Mnemonic.Rdtscp: Rdtscp(); return true;
            case Mnemonic.Rdpmc: Rdpmc(); return true;
            case Mnemonic.Rdmsr: Rdmsr(); return true;
            case Mnemonic.Wrmsr: Wrmsr(); return true;
            case Mnemonic.Invd: case Mnemonic.Wbinvd: RequireCpl0(); return true;
            case Mnemonic.Invlpg:
                RequireCpl0();
                FlushTlbPage(LinearUnchecked(MemorySeg(ref d), EffectiveAddress(ref d))); // never faults
                return true;
            case Mnemonic.Clts: RequireCpl0(); Cr0 &= ~ControlBits.Cr0TS; return true;
            case Mnemonic.Lmsw:
            {
                RequireCpl0();
                uint v = (uint)ReadOp(ref d, 0, 2);
                // LMSW sets PE but cannot clear it; it changes only MP, EM, TS (and PE).
                uint newCr0 = (Cr0 & ~0xEu) | (v & 0xF) | (Cr0 & ControlBits.Cr0PE);
                SetCr0(newCr0);
                return true;
            }
            case Mnemonic.Smsw:
                WriteOp(ref d, 0, d.DataSize, d.I.Op0Kind == OpKind.Register ? Cr0 & SizeMask(d.DataSize) : Cr0 & 0xFFFF);
                return true;
            case Mnemonic.Ud0: case Mnemonic.Ud1: case Mnemonic.Ud2:
                throw UD();
            case Mnemonic.Lgdt: case Mnemonic.Lidt: case Mnemonic.Sgdt: case Mnemonic.Sidt:
            case Mnemonic.Lldt: case Mnemonic.Sldt: case Mnemonic.Ltr: case Mnemonic.Str:
            case Mnemonic.Lar: case Mnemonic.Lsl: case Mnemonic.Verr: case Mnemonic.Verw: case Mnemonic.Arpl:
                ExecuteDescriptorInstruction(ref d);
                return true;
        }
        return false;
    }

    private void RequireCpl0()
    {
        if ((ProtectedMode && Cpl != 0) || V86Mode)
            throw GP();
    }

    private void MovSpecial(ref DecodedInstruction d)
    {
        RequireCpl0();
        var dst = d.I.Op0Register;
        var src = d.I.Op1Register;
        if (IsControlOrDebug(dst))
            WriteSpecialReg(dst, ReadReg(src));
        else
            WriteReg(dst, ReadSpecialReg(src));
    }

    private static bool IsControlOrDebug(Register r) =>
        (uint)(r - Register.CR0) < 16 || (uint)(r - Register.DR0) < 16;

    private ulong ReadSpecialReg(Register r) => r switch
    {
        Register.CR0 => Cr0,
        Register.CR2 => Cr2,
        Register.CR3 => Cr3,
        Register.CR4 => Cr4,
        Register.CR8 => Cr8,
        _ when (uint)(r - Register.DR0) < 8 => ReadDebugRegister(r - Register.DR0),
        _ => throw UD(),
    };

    private void WriteSpecialReg(Register r, ulong value)
    {
        switch (r)
        {
            case Register.CR0:
                if ((value >> 32) != 0)
                    throw GP(); // bits 63:32 of CR0 are reserved
                SetCr0((uint)value);
                break;
            case Register.CR2: Cr2 = value; break;
            case Register.CR3:
                Cr3 = (uint)value; // page tables below 4 GiB (bits 51:32 are dropped)
                FlushTlb(keepGlobal: (Cr4 & ControlBits.Cr4PGE) != 0);
                break;
            case Register.CR4:
                if ((value & ~ControlBits.Cr4Supported) != 0)
                    throw GP();
                Cr4 = (uint)value;
                FlushTlb();
                break;
            case Register.CR8: WriteCr8(value); break;
            default:
                if ((uint)(r - Register.DR0) < 8)
                    WriteDebugRegister(r - Register.DR0, (uint)value);
                else
                    throw UD();
                break;
        }
    }

    /// <summary>DR4/DR5 alias DR6/DR7 when CR4.DE is clear and are #UD when it is set; DR6/DR7 read with their fixed bits.</summary>
    private uint ReadDebugRegister(int n) => n switch
    {
        4 or 5 when (Cr4 & ControlBits.Cr4DE) != 0 => throw UD(),
        4 or 6 => Dr[6] | 0xFFFF0FF0,
        5 or 7 => Dr[7] | 0x400,
        _ => Dr[n],
    };

    private void WriteDebugRegister(int n, uint value)
    {
        if (n is 4 or 5 && (Cr4 & ControlBits.Cr4DE) != 0)
            throw UD();
        Dr[n is 4 ? 6 : n is 5 ? 7 : n] = value;
        if (n != 4 && n != 6)
            DebugRegistersChanged();
    }

    public void SetCr0(uint value)
    {
        if ((value & ControlBits.Cr0PG) != 0 && (value & ControlBits.Cr0PE) == 0)
            throw GP();
        if ((value & ControlBits.Cr0NW) != 0 && (value & ControlBits.Cr0CD) == 0)
            throw GP();
        ActivateLongMode(value);
        uint old = Cr0;
        Cr0 = value | ControlBits.Cr0ET;
        if (((old ^ Cr0) & (ControlBits.Cr0PE | ControlBits.Cr0PG | ControlBits.Cr0WP)) != 0)
        {
            if ((Cr0 & ControlBits.Cr0PE) == 0)
                Cpl = 0;
            FlushTlb();
            StateChanged();
        }
    }

    /// <summary>
    /// The time-stamp counter at 1 GHz of machine time: nanoseconds of <see cref="Clock"/> (host time,
    /// or retired instructions plus skipped idle time under the deterministic clock), so that it agrees
    /// with the PIT the kernel calibrates it against; without a clock, retired instructions.
    /// </summary>
    private ulong TscNow => Clock is { } clock ? (ulong)clock.NowNanoseconds : Retired;

    private ulong Tsc => TscNow + TscOffset;

    /// <summary>
    /// RDPMC: the P6's two performance counters. Their event-select MSRs are not implemented, so
    /// no event is ever selected and both read 0. CPL &gt; 0 needs CR4.PCE; ECX &gt; 1 is #GP.
    /// </summary>
    private void Rdpmc()
    {
        if (((Cr4 & ControlBits.Cr4PCE) == 0 && ProtectedMode && Cpl != 0) || R(Gpr.ECX) > 1)
            throw GP();
        SetRegister32(Gpr.EAX, 0);
        SetRegister32(Gpr.EDX, 0);
    }

    private void Rdtsc()
    {
        if ((Cr4 & ControlBits.Cr4TSD) != 0 && ProtectedMode && Cpl != 0)
            throw GP();
        ulong t = Tsc;
        SetRegister32(Gpr.EAX, (uint)t); // zero-extended in 64-bit mode, as every 32-bit result
        SetRegister32(Gpr.EDX, (uint)(t >> 32));
    }

    private void Rdmsr()
    {
        RequireCpl0();
        if (TryReadApicMsr(R(Gpr.ECX), out ulong apicBase))
        {
            SetRegister32(Gpr.EAX, (uint)apicBase);
            SetRegister32(Gpr.EDX, (uint)(apicBase >> 32));
            return;
        }
        ulong v = R(Gpr.ECX) switch
        {
            MsrTsc => Tsc,
            MsrBiosSignId => 0,
            MsrEfer => Efer,
            _ when TryReadLongModeMsr(R(Gpr.ECX), out ulong longModeMsr) => longModeMsr,
            _ when TryReadSysenterMsr(R(Gpr.ECX), out ulong sysenterMsr) => sysenterMsr,
            _ when TryReadTscAux(R(Gpr.ECX), out ulong tscAux) => tscAux,
            _ when TryReadModelMsr(R(Gpr.ECX), out ulong modelMsr) => modelMsr,
            _ => throw GP(),
        };
        SetRegister32(Gpr.EAX, (uint)v);
        SetRegister32(Gpr.EDX, (uint)(v >> 32));
    }

    private void Wrmsr()
    {
        RequireCpl0();
        ulong v = ((ulong)R(Gpr.EDX) << 32) | R(Gpr.EAX);
        if (TryWriteApicMsr(R(Gpr.ECX), v))
            return;
        switch (R(Gpr.ECX))
        {
            case MsrTsc: TscOffset = v - TscNow; break;
            case MsrBiosSignId: break;
            case MsrEfer: WriteEfer(v); break;
            default:
                if (!TryWriteLongModeMsr(R(Gpr.ECX), v) && !TryWriteSysenterMsr(R(Gpr.ECX), v) && !TryWriteTscAux(R(Gpr.ECX), v)
                    && !TryWriteModelMsr(R(Gpr.ECX), v))
                    throw GP();
                break;
        }
    }

    /// <summary>An instruction this CPU decodes but does not implement: a terminal internal-error exit, or #UD for features CPUID does not report.</summary>
    private Exception NotImplemented(ref DecodedInstruction d)
    {
        if (!IsWithinAdvertisedFeatures(in d.I))
            return UD();
        return StopWithInternalError($"unimplemented instruction at {CsEip()}: {DescribeAt(in d.I)}", SoftwareCpuErrors.UnimplementedInstruction);
    }
}
