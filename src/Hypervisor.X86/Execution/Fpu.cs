using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The x87 state an OS probes and saves: FNINIT, FNSTSW, FNSTCW, FLDCW, FNCLEX, FWAIT, FNSTENV,
/// FLDENV, FNSAVE, FRSTOR, FXSAVE, FXRSTOR, with #NM for CR0.EM/TS. Arithmetic on the register
/// stack is not implemented (those instructions make an internal-error exit naming them).
/// </summary>
internal sealed partial class Cpu
{
    private const ushort FpuDefaultControl = 0x037F;
    private ushort _fpuControl = FpuDefaultControl, _fpuStatus, _fpuTag = 0xFFFF;
    private readonly byte[] _fpuRegisters = new byte[80];

    private void FpuInit()
    {
        _fpuControl = FpuDefaultControl;
        _fpuStatus = 0;
        _fpuTag = 0xFFFF;
    }

    private bool ExecuteFpu(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        if (m == Mnemonic.Wait)
        {
            if ((Cr0 & (ControlBits.Cr0TS | ControlBits.Cr0MP)) == (ControlBits.Cr0TS | ControlBits.Cr0MP))
                throw Fault(Vector.NM);
            return true;
        }
        bool fx = m is Mnemonic.Fxsave or Mnemonic.Fxrstor or Mnemonic.Fxsave64 or Mnemonic.Fxrstor64;
        if (!fx && d.I.Encoding == EncodingKind.Legacy && !IsX87(in d.I))
            return false;
        if ((Cr0 & (ControlBits.Cr0EM | ControlBits.Cr0TS)) != 0)
        {
            if (fx && (Cr0 & ControlBits.Cr0EM) != 0)
                throw UD();
            throw Fault(Vector.NM);
        }
        switch (m)
        {
            case Mnemonic.Fninit: FpuInit(); return true;
            case Mnemonic.Fnclex: _fpuStatus &= 0x7F00; return true;
            case Mnemonic.Fnstsw:
                WriteOp(ref d, 0, 2, _fpuStatus);
                return true;
            case Mnemonic.Fnstcw: WriteOp(ref d, 0, 2, _fpuControl); return true;
            case Mnemonic.Fldcw: _fpuControl = (ushort)(ReadOp(ref d, 0, 2) | 0x40); return true;
            case Mnemonic.Fnstenv: StoreFpuEnvironment(ref d, out _); return true;
            case Mnemonic.Fldenv: LoadFpuEnvironment(ref d, out _); return true;
            case Mnemonic.Fnsave:
            {
                StoreFpuEnvironment(ref d, out ulong at);
                int seg = MemorySeg(ref d);
                for (int i = 0; i < 80; i++)
                    WriteMem8(seg, at + (uint)i, _fpuRegisters[StByteIndex(i)]);
                FpuInit();
                return true;
            }
            case Mnemonic.Frstor:
            {
                LoadFpuEnvironment(ref d, out ulong at);
                int seg = MemorySeg(ref d);
                for (int i = 0; i < 80; i++)
                    _fpuRegisters[StByteIndex(i)] = ReadMem8(seg, at + (uint)i);
                return true;
            }
            // The REX.W forms differ only in FIP/FDP's format, which this x87 saves as zero.
            case Mnemonic.Fxsave: case Mnemonic.Fxsave64: Fxsave(ref d); return true;
            case Mnemonic.Fxrstor: case Mnemonic.Fxrstor64: Fxrstor(ref d); return true;
        }
        return ExecuteX87(ref d);
    }

    /// <summary>Save images list registers as ST(0)..ST(7): byte <paramref name="i"/> of that list in our physical-order array.</summary>
    private int StByteIndex(int i) => PhysicalIndex(i / 10) * 10 + i % 10;

    private static bool IsX87(in Instruction i)
    {
        foreach (var f in i.CpuidFeatures)
        {
            if (f is CpuidFeature.FPU or CpuidFeature.FPU287 or CpuidFeature.FPU387 or CpuidFeature.FPU287XL_ONLY)
                return true;
        }
        return false;
    }

    /// <summary>The 14-byte (16-bit) or 28-byte (32-bit) environment; <paramref name="end"/> is the offset after it.</summary>
    private void StoreFpuEnvironment(ref DecodedInstruction d, out ulong end)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        int w = d.OpSize;
        ushort[] words = [_fpuControl, _fpuStatus, _fpuTag];
        for (int i = 0; i < 7; i++)
            WriteMem(seg, ea + (uint)(i * w), w, i < 3 ? words[i] : 0u);
        end = ea + (uint)(7 * w);
        _fpuControl |= 0x3F; // FNSTENV masks all exceptions
    }

    private void LoadFpuEnvironment(ref DecodedInstruction d, out ulong end)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        int w = d.OpSize;
        _fpuControl = (ushort)ReadMem(seg, ea, 2);
        _fpuStatus = (ushort)ReadMem(seg, ea + (uint)w, 2);
        _fpuTag = (ushort)ReadMem(seg, ea + (uint)(2 * w), 2);
        end = ea + (uint)(7 * w);
    }

    /// <summary>FXSAVE: the 512-byte image (SDM Vol. 1, 10.5.1); the tag word in its abridged form.</summary>
    private void Fxsave(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        if ((ea & 15) != 0)
            throw GP();
        ProbeWrite(Linear(seg, ea, 512, write: true), 512);
        byte abridged = 0;
        for (int i = 0; i < 8; i++)
        {
            if (((_fpuTag >> (2 * i)) & 3) != 3)
                abridged |= (byte)(1 << i);
        }
        WriteMem16(seg, ea, _fpuControl);
        WriteMem16(seg, ea + 2, _fpuStatus);
        WriteMem8(seg, ea + 4, abridged);
        WriteMem8(seg, ea + 5, 0);
        for (uint o = 6; o < 24; o += 2)
            WriteMem16(seg, ea + o, 0);
        for (int r = 0; r < 8; r++)
        {
            for (int b = 0; b < 16; b++)
                WriteMem8(seg, ea + 32 + (uint)(r * 16 + b), b < 10 ? _fpuRegisters[StByteIndex(r * 10 + b)] : (byte)0);
        }
        FxsaveSse(ref d);
    }

    private void Fxrstor(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        ulong ea = EffectiveAddress(ref d);
        if ((ea & 15) != 0)
            throw GP();
        CheckFxrstorMxcsr(ref d);
        _fpuControl = ReadMem16(seg, ea);
        _fpuStatus = ReadMem16(seg, ea + 2);
        byte abridged = ReadMem8(seg, ea + 4);
        ushort tag = 0;
        for (int i = 0; i < 8; i++)
            tag |= (ushort)(((abridged >> i) & 1) != 0 ? 0 : 3 << (2 * i));
        _fpuTag = tag;
        for (int r = 0; r < 8; r++)
        {
            for (int b = 0; b < 10; b++)
                _fpuRegisters[StByteIndex(r * 10 + b)] = ReadMem8(seg, ea + 32 + (uint)(r * 16 + b));
        }
        FxrstorSse(ref d);
    }
}
