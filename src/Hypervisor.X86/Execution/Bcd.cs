namespace Hypervisor.X86.Cpu;

/// <summary>Decimal adjust: DAA, DAS, AAA, AAS, AAM (#DE on 0), AAD, following the SDM pseudocode.</summary>
internal sealed partial class Cpu
{
    private uint AL
    {
        get => R(Gpr.EAX) & 0xFF;
        set => R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFFFF00) | (value & 0xFF);
    }

    private uint AH
    {
        get => (R(Gpr.EAX) >> 8) & 0xFF;
        set => R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF00FF) | ((value & 0xFF) << 8);
    }

    private void Daa()
    {
        uint oldAl = AL;
        bool oldCf = CF;
        uint f = Flags & ~Eflags.Status;
        uint al = oldAl;
        if ((al & 0xF) > 9 || (Flags & Eflags.AF) != 0)
        {
            al += 6;
            f |= Eflags.AF;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al += 0x60;
            f |= Eflags.CF;
        }
        al &= 0xFF;
        AL = al;
        Flags = f | SzpFlags(al, 1);
    }

    private void Das()
    {
        uint oldAl = AL;
        bool oldCf = CF;
        uint f = Flags & ~Eflags.Status;
        uint al = oldAl;
        if ((al & 0xF) > 9 || (Flags & Eflags.AF) != 0)
        {
            // CF <- old CF or the borrow out of AL - 6 (SDM DAS).
            if (oldCf || al < 6)
                f |= Eflags.CF;
            al -= 6;
            f |= Eflags.AF;
        }
        if (oldAl > 0x99 || oldCf)
        {
            al -= 0x60;
            f |= Eflags.CF;
        }
        al &= 0xFF;
        AL = al;
        Flags = f | SzpFlags(al, 1);
    }

    /// <summary>AAA: the 16-bit AX += 0x106 form of the i486 and later.</summary>
    private void Aaa()
    {
        uint f = Flags & ~(Eflags.AF | Eflags.CF); // SF, ZF, PF, OF undefined: unchanged, as QEMU
        if ((AL & 0xF) > 9 || (Flags & Eflags.AF) != 0)
        {
            uint ax = (R(Gpr.EAX) + 0x106) & 0xFFFF;
            R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF0000) | ax;
            f |= Eflags.AF | Eflags.CF;
        }
        AL &= 0xF;
        Flags = f;
    }

    private void Aas()
    {
        uint f = Flags & ~(Eflags.AF | Eflags.CF); // SF, ZF, PF, OF undefined: unchanged, as QEMU
        if ((AL & 0xF) > 9 || (Flags & Eflags.AF) != 0)
        {
            uint ax = (R(Gpr.EAX) - 6) & 0xFFFF;
            ax = (ax & 0xFF) | ((((ax >> 8) - 1) & 0xFF) << 8);
            R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF0000) | ax;
            f |= Eflags.AF | Eflags.CF;
        }
        AL &= 0xF;
        Flags = f;
    }

    private void Aam(byte imm)
    {
        if (imm == 0)
            throw Fault(Vector.DE);
        uint al = AL;
        AH = al / imm;
        AL = al % imm;
        SetStatus(SzpFlags(AL, 1));
    }

    private void Aad(byte imm)
    {
        uint al = (AL + AH * imm) & 0xFF;
        R(Gpr.EAX) = (R(Gpr.EAX) & 0xFFFF0000) | al;
        SetStatus(SzpFlags(al, 1));
    }
}
