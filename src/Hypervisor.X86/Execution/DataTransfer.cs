using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>Data movement: MOV (general, segment, control/debug), MOVZX, MOVSX, XCHG, LEA, CBW/CWDE, CWD/CDQ, XLAT, BSWAP, LDS/LES/LFS/LGS/LSS.</summary>
internal sealed partial class Cpu
{
    private static bool IsSegmentRegister(Register r) => (uint)(r - Register.ES) < 6;

    private void Mov(ref DecodedInstruction d, int size)
    {
        var k0 = d.I.Op0Kind;
        if (k0 == OpKind.Register)
        {
            var r0 = d.I.Op0Register;
            if (IsSegmentRegister(r0))
            {
                uint sel = (uint)ReadOp(ref d, 1, 2);
                if (r0 == Register.CS)
                    throw UD();
                LoadSegment(r0 - Register.ES, (ushort)sel);
                if (r0 == Register.SS)
                    _interruptShadow = true;
                return;
            }
            if (!IsGeneral(r0))
            {
                MovSpecial(ref d); // MOV CRn/DRn, r32
                return;
            }
        }
        if (d.I.Op1Kind == OpKind.Register && !IsGeneral(d.I.Op1Register))
        {
            MovSpecial(ref d); // MOV r32, CRn/DRn
            return;
        }
        ulong v = ReadOp(ref d, 1, size);
        WriteOp(ref d, 0, size, v);
    }

    private static bool IsGeneral(Register r) => r.IsGPR() || IsSegmentRegister(r);

    private void Movx(ref DecodedInstruction d, bool signExtend)
    {
        int srcSize = d.I.Op1Kind == OpKind.Register ? RegSize(d.I.Op1Register) : d.I.MemorySize.GetSize();
        ulong v = ReadOp(ref d, 1, srcSize);
        if (signExtend)
            v = (ulong)SignExtend(v, srcSize); // MOVSX, and MOVSXD in 64-bit mode
        WriteReg(d.I.Op0Register, v & SizeMask(d.DataSize));
    }

    private void Xchg(ref DecodedInstruction d, int size)
    {
        if (d.I.Op0Kind == OpKind.Register && d.I.Op1Kind == OpKind.Register)
        {
            ulong a = ReadReg(d.I.Op0Register), b = ReadReg(d.I.Op1Register);
            WriteReg(d.I.Op0Register, b);
            WriteReg(d.I.Op1Register, a);
            return;
        }
        // One operand is memory: XCHG is implicitly locked (a host exchange on a VM with several vCPUs, Smp/CpuAtomics.cs).
        int memOp = d.I.Op0Kind == OpKind.Memory ? 0 : 1;
        var reg = d.I.GetOpRegister(1 - memOp);
        ulong la = Linear(MemorySeg(ref d), EffectiveAddress(ref d), size, write: true);
        ulong m = ExchangeLinear(la, size, ReadReg(reg));
        WriteReg(reg, m);
    }

    private void Lea(ref DecodedInstruction d)
    {
        if (d.I.Op1Kind != OpKind.Memory)
            throw UD();
        WriteReg(d.I.Op0Register, EffectiveAddress(ref d) & SizeMask(d.DataSize));
    }

    /// <summary>CBW / CWDE / CDQE.</summary>
    private void ConvertAccumulator(int opSize)
    {
        if (opSize == 2)
            WriteAccumulator(2, (uint)(short)(sbyte)R(Gpr.EAX));
        else if (opSize == 4)
            SetRegister32(Gpr.EAX, (uint)(int)(short)R(Gpr.EAX));
        else
            R64(Gpr.EAX) = (ulong)(long)(int)R(Gpr.EAX);
    }

    /// <summary>CWD / CDQ / CQO.</summary>
    private void ConvertToDx(int opSize)
    {
        if (opSize == 2)
            R(Gpr.EDX) = (R(Gpr.EDX) & 0xFFFF0000) | ((R(Gpr.EAX) & 0x8000) != 0 ? 0xFFFFu : 0);
        else if (opSize == 4)
            SetRegister32(Gpr.EDX, (R(Gpr.EAX) & 0x80000000) != 0 ? 0xFFFFFFFF : 0);
        else
            R64(Gpr.EDX) = (long)R64(Gpr.EAX) < 0 ? ulong.MaxValue : 0;
    }

    /// <summary>XLAT: AL = [seg:(E)BX + AL].</summary>
    private void Xlat(ref DecodedInstruction d)
    {
        ulong ea = (d.AddrSize == 8 ? R64(Gpr.EBX) : R(Gpr.EBX)) + AL;
        AL = ReadMem8(MemorySeg(ref d), d.AddrSize == 2 ? ea & 0xFFFF : ea);
    }

    private void Bswap(ref DecodedInstruction d)
    {
        var r = d.I.Op0Register;
        int size = RegSize(r);
        if (size == 2)
            WriteReg(r, 0); // undefined in the SDM; QEMU and real parts clear the register's low word
        else if (size == 4)
            WriteReg(r, System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)ReadReg(r)));
        else
            WriteReg(r, System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(ReadReg(r)));
    }

    /// <summary>LDS/LES/LFS/LGS/LSS: offset then selector from memory.</summary>
    private void LoadFarPointer(ref DecodedInstruction d, int seg)
    {
        if (d.I.Op1Kind != OpKind.Memory)
            throw UD();
        int size = d.OpSize;
        int ms = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        ulong offset = ReadMem(ms, ea, size);
        ushort selector = ReadMem16(ms, (ea + (uint)size) & (d.AddrSize == 2 ? 0xFFFFu : 0xFFFFFFFFu));
        LoadSegment(seg, selector);
        WriteReg(d.I.Op0Register, offset); // LSS sets no interrupt shadow (only MOV SS and POP SS do)
    }

    /// <summary>
    /// 0F 18-1F with a register operand (and 0F 19-1F with memory): the hint NOPs a P6 executes as
    /// NOP. 0F 0D is AMD's PREFETCH group, which a P6 does not have.
    /// </summary>
    private void ReservedNop(ref DecodedInstruction d)
    {
        if (d.I.Code is Code.Reservednop_rm16_r16_0F0D or Code.Reservednop_rm32_r32_0F0D or Code.Reservednop_rm64_r64_0F0D)
            throw UD();
    }
}
