using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>MXCSR bits (SDM Vol. 1, 10.2.3).</summary>
internal static class Mxcsr
{
    public const uint IE = 1 << 0, DE = 1 << 1, ZE = 1 << 2, OE = 1 << 3, UE = 1 << 4, PE = 1 << 5;
    public const uint Flags = IE | DE | ZE | OE | UE | PE;
    /// <summary>The exceptions detected before the computation (reported alone when one of them is unmasked).</summary>
    public const uint PreComputation = IE | DE | ZE;
    public const uint DAZ = 1 << 6;
    public const int MaskShift = 7;
    public const int RoundingShift = 13;
    public const uint FZ = 1 << 15;
    public const uint Reset = 0x1F80;
    /// <summary>MXCSR_MASK in the FXSAVE image: every bit of the low word (DAZ included), as QEMU reports.</summary>
    public const uint Mask = 0xFFFF;
}

/// <summary>The MXCSR rounding control (RC) values.</summary>
internal enum SseRounding { Nearest = 0, Down = 1, Up = 2, Zero = 3 }

/// <summary>
/// The SSE state: XMM0-15 (only 0-7 are reachable without REX; 8-15 wait for 64-bit mode) and MXCSR,
/// the #UD/#NM rules every SSE instruction checks first, and the one pair of memory helpers all XMM
/// memory operands go through (so the address computation is widened for 64-bit in one place).
/// </summary>
internal sealed partial class Cpu
{
    public const int XmmCount = 16;
    private uint _mxcsr = Mxcsr.Reset;
    private readonly byte[] _xmm = new byte[XmmCount * 16];

    /// <summary>Power-on state: MXCSR = 0x1F80, XMM registers zero (INIT does the same on QEMU).</summary>
    private void SseReset()
    {
        _mxcsr = Mxcsr.Reset;
        Array.Clear(_xmm);
    }

    /// <summary>XMM register <paramref name="n"/> in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Vector128<byte> Xmm(int n) =>
        ref Unsafe.As<byte, Vector128<byte>>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_xmm), n * 16));

    private static int XmmNumber(Register r) => r - Register.XMM0;

    private SseRounding Rounding => (SseRounding)((_mxcsr >> Mxcsr.RoundingShift) & 3);

    /// <summary>
    /// SDM Vol. 3, 13.1 and table 22-6: #UD when CR0.EM = 1 or CR4.OSFXSR = 0, then #NM when CR0.TS = 1.
    /// </summary>
    private void CheckSseEnabled()
    {
        if ((Cr0 & ControlBits.Cr0EM) != 0 || (Cr4 & ControlBits.Cr4OSFXSR) == 0)
            throw UD();
        if ((Cr0 & ControlBits.Cr0TS) != 0)
            throw Fault(Vector.NM);
    }

    /// <summary>The XMM register or memory operand <paramref name="op"/>: memory reads <paramref name="size"/> bytes (the rest zero).</summary>
    private Vector128<byte> ReadXmmOperand(ref DecodedInstruction d, int op, int size, bool aligned)
    {
        if (d.I.GetOpKind(op) == OpKind.Register)
            return Xmm(XmmNumber(d.I.GetOpRegister(op)));
        return ReadXmmMemory(ref d, size, aligned);
    }

    /// <summary>
    /// Reads <paramref name="size"/> bytes (2, 4, 8 or 16) of the instruction's memory operand into the
    /// low bytes of a vector; <paramref name="aligned"/>: 16-byte alignment or #GP(0) (SDM Vol. 1, 4.1.1).
    /// </summary>
    private Vector128<byte> ReadXmmMemory(ref DecodedInstruction d, int size, bool aligned)
    {
        var la = Linear(d.MemSegment, EffectiveAddress(ref d), size, write: false);
        if (aligned && (la & 15) != 0)
            throw GP();
        Vector128<byte> v = default;
        Span<byte> b = MemoryMarshal.CreateSpan(ref Unsafe.As<Vector128<byte>, byte>(ref v), 16);
        for (int i = 0; i < size; i += 4)
        {
            int n = Math.Min(4, size - i);
            uint x = (uint)ReadLinear(la + (uint)i, n);
            for (int k = 0; k < n; k++)
                b[i + k] = (byte)(x >> (8 * k));
        }
        return v;
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="v"/> to the memory operand (all or nothing: probed first).</summary>
    private void WriteXmmMemory(ref DecodedInstruction d, int size, Vector128<byte> v, bool aligned)
    {
        var la = Linear(d.MemSegment, EffectiveAddress(ref d), size, write: true);
        if (aligned && (la & 15) != 0)
            throw GP();
        if (size > 4)
            ProbeWrite(la, size);
        ReadOnlySpan<byte> b = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<Vector128<byte>, byte>(ref v), 16);
        for (int i = 0; i < size; i += 4)
        {
            int n = Math.Min(4, size - i);
            uint x = 0;
            for (int k = 0; k < n; k++)
                x |= (uint)b[i + k] << (8 * k);
            WriteLinear(la + (uint)i, n, x);
        }
    }

    /// <summary>Writes an XMM register operand or <paramref name="size"/> bytes of memory.</summary>
    private void WriteXmmOperand(ref DecodedInstruction d, int op, int size, Vector128<byte> v, bool aligned)
    {
        if (d.I.GetOpKind(op) == OpKind.Register)
            Xmm(XmmNumber(d.I.GetOpRegister(op))) = v;
        else
            WriteXmmMemory(ref d, size, v, aligned);
    }

    /// <summary>LDMXCSR: reserved bits (outside MXCSR_MASK) #GP(0).</summary>
    private void LoadMxcsr(uint value)
    {
        if ((value & ~Mxcsr.Mask) != 0)
            throw GP();
        _mxcsr = value;
    }

    /// <summary>The XMM registers FXSAVE/FXRSTOR cover: XMM0-15 in 64-bit mode, else XMM0-7.</summary>
    private int FxsaveXmmCount => Code64 ? 16 : 8;

    /// <summary>FXSAVE's SSE part: MXCSR, MXCSR_MASK and XMM0-7 (0-15 in 64-bit mode; QEMU, too, leaves them out while CR4.OSFXSR = 0).</summary>
    private void FxsaveSse(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        var ea = EffectiveAddress(ref d);
        if ((Cr4 & ControlBits.Cr4OSFXSR) == 0)
            return;
        WriteMem32(seg, ea + 24, _mxcsr);
        WriteMem32(seg, ea + 28, Mxcsr.Mask);
        for (int i = 0; i < FxsaveXmmCount * 16; i++)
            WriteMem8(seg, ea + 160 + (uint)i, _xmm[i]);
    }

    /// <summary>FXRSTOR's SSE part: a reserved MXCSR bit #GP(0) before anything is loaded.</summary>
    private void CheckFxrstorMxcsr(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        var ea = EffectiveAddress(ref d);
        if ((Cr4 & ControlBits.Cr4OSFXSR) != 0 && (ReadMem32(seg, ea + 24) & ~Mxcsr.Mask) != 0)
            throw GP();
    }

    private void FxrstorSse(ref DecodedInstruction d)
    {
        int seg = MemorySeg(ref d);
        var ea = EffectiveAddress(ref d);
        if ((Cr4 & ControlBits.Cr4OSFXSR) == 0)
            return;
        _mxcsr = ReadMem32(seg, ea + 24);
        for (int i = 0; i < FxsaveXmmCount * 16; i++)
            _xmm[i] = ReadMem8(seg, ea + 160 + (uint)i);
    }
}
