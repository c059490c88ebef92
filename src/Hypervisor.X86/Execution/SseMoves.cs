using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// SSE/SSE2 data movement: MOVAPS/APD/DQA (aligned), MOVUPS/UPD/DQU, MOVSS/MOVSD, MOVD/MOVQ,
/// MOVLPS/HPS/LPD/HPD, MOVLHPS/MOVHLPS, MOVMSKPS/PD, PMOVMSKB, the non-temporal stores (plain
/// stores here), MASKMOVDQU, PINSRW/PEXTRW, LDMXCSR/STMXCSR.
/// </summary>
internal sealed partial class Cpu
{
    private bool ExecuteSseMove(ref DecodedInstruction d)
    {
        switch (d.I.Mnemonic)
        {
            case Mnemonic.Movaps: case Mnemonic.Movapd: case Mnemonic.Movdqa:
            case Mnemonic.Movntps: case Mnemonic.Movntpd: case Mnemonic.Movntdq:
                WriteXmmOperand(ref d, 0, 16, ReadXmmOperand(ref d, 1, 16, aligned: true), aligned: true);
                return true;
            case Mnemonic.Movups: case Mnemonic.Movupd: case Mnemonic.Movdqu:
                WriteXmmOperand(ref d, 0, 16, ReadXmmOperand(ref d, 1, 16, aligned: false), aligned: false);
                return true;
            case Mnemonic.Movss: MoveScalar(ref d, 4); return true;
            case Mnemonic.Movsd: MoveScalar(ref d, 8); return true;
            case Mnemonic.Movd:
                if (d.I.Op0Kind == OpKind.Register && d.I.Op0Register.IsXMM())
                    Xmm(XmmNumber(d.I.Op0Register)) = Vector128.CreateScalar((uint)ReadOp(ref d, 1, 4)).AsByte();
                else
                    WriteOp(ref d, 0, 4, Xmm(XmmNumber(d.I.Op1Register)).AsUInt32().ToScalar());
                return true;
            case Mnemonic.Movq:
            {
                // Both forms zero the upper quadword of a register destination.
                ulong v = ReadXmmOperand(ref d, 1, 8, aligned: false).AsUInt64().ToScalar();
                WriteXmmOperand(ref d, 0, 8, Vector128.CreateScalar(v).AsByte(), aligned: false);
                return true;
            }
            case Mnemonic.Movlps: case Mnemonic.Movlpd: MoveHalf(ref d, 0); return true;
            case Mnemonic.Movhps: case Mnemonic.Movhpd: MoveHalf(ref d, 1); return true;
            case Mnemonic.Movhlps:
            {
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = x.AsUInt64().WithElement(0, Xmm(XmmNumber(d.I.Op1Register)).AsUInt64().GetElement(1)).AsByte();
                return true;
            }
            case Mnemonic.Movlhps:
            {
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = x.AsUInt64().WithElement(1, Xmm(XmmNumber(d.I.Op1Register)).AsUInt64().GetElement(0)).AsByte();
                return true;
            }
            case Mnemonic.Movmskps: WriteReg(d.I.Op0Register, SignMask(Xmm(XmmNumber(d.I.Op1Register)), 4)); return true;
            case Mnemonic.Movmskpd: WriteReg(d.I.Op0Register, SignMask(Xmm(XmmNumber(d.I.Op1Register)), 8)); return true;
            case Mnemonic.Pmovmskb: WriteReg(d.I.Op0Register, SignMask(Xmm(XmmNumber(d.I.Op1Register)), 1)); return true;
            case Mnemonic.Maskmovdqu: MaskedStore(ref d); return true;
            case Mnemonic.Pinsrw:
            {
                ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
                x = x.AsUInt16().WithElement(d.I.Immediate8 & 7, (ushort)ReadOp(ref d, 1, 2)).AsByte();
                return true;
            }
            case Mnemonic.Pextrw:
                WriteReg(d.I.Op0Register, Xmm(XmmNumber(d.I.Op1Register)).AsUInt16().GetElement(d.I.Immediate8 & 7));
                return true;
            case Mnemonic.Ldmxcsr: LoadMxcsr((uint)ReadOp(ref d, 0, 4)); return true;
            case Mnemonic.Stmxcsr: WriteOp(ref d, 0, 4, _mxcsr); return true;
        }
        return false;
    }

    /// <summary>MOVSS/MOVSD: register to register moves lane 0 only; a load zeroes the rest; a store writes lane 0.</summary>
    private void MoveScalar(ref DecodedInstruction d, int size)
    {
        var v = ReadXmmOperand(ref d, 1, size, aligned: false);
        if (d.I.Op0Kind != OpKind.Register)
        {
            WriteXmmMemory(ref d, size, v, aligned: false);
            return;
        }
        ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
        if (d.I.Op1Kind == OpKind.Register)
            x = size == 4 ? x.AsUInt32().WithElement(0, v.AsUInt32().ToScalar()).AsByte() : x.AsUInt64().WithElement(0, v.AsUInt64().ToScalar()).AsByte();
        else
            x = v;
    }

    /// <summary>MOVLPS/MOVHPS and the PD forms: quadword <paramref name="half"/> of the register from or to m64.</summary>
    private void MoveHalf(ref DecodedInstruction d, int half)
    {
        if (d.I.Op0Kind == OpKind.Register)
        {
            ref var x = ref Xmm(XmmNumber(d.I.Op0Register));
            x = x.AsUInt64().WithElement(half, ReadXmmMemory(ref d, 8, aligned: false).AsUInt64().ToScalar()).AsByte();
        }
        else
        {
            ulong v = Xmm(XmmNumber(d.I.Op1Register)).AsUInt64().GetElement(half);
            WriteXmmMemory(ref d, 8, Vector128.CreateScalar(v).AsByte(), aligned: false);
        }
    }

    /// <summary>The sign bits of each <paramref name="laneSize"/>-byte lane, lane 0 in bit 0.</summary>
    private static uint SignMask(Vector128<byte> v, int laneSize) => laneSize switch
    {
        1 => v.ExtractMostSignificantBits(),
        4 => v.AsUInt32().ExtractMostSignificantBits(),
        _ => v.AsUInt64().ExtractMostSignificantBits(),
    };

    /// <summary>MASKMOVDQU: the bytes of the first register whose mask byte has its top bit set, to DS:(E)DI (like QEMU, byte by byte).</summary>
    private void MaskedStore(ref DecodedInstruction d)
    {
        var data = Xmm(XmmNumber(d.I.Op1Register));
        var mask = Xmm(XmmNumber(d.I.Op2Register));
        int seg = d.I.MemorySegment - Register.ES;
        var di = Regs[Gpr.EDI];
        for (int i = 0; i < 16; i++)
        {
            var at = di + (uint)i; // (E/R)DI + i at the address size
            at = d.AddrSize == 2 ? at & 0xFFFF : d.AddrSize == 4 ? at & 0xFFFF_FFFF : at;
            if ((mask.GetElement(i) & 0x80) != 0)
                WriteMem8(seg, at, data.GetElement(i));
        }
    }
}
