using System.Runtime.CompilerServices;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Status-flag computation shared by the instruction groups. Flags are computed eagerly with a few
/// bit operations per instruction; where the SDM leaves a flag undefined we produce what QEMU does,
/// since QEMU is the reference the conformance guests run against.
/// </summary>
internal sealed partial class Cpu
{
    private static readonly byte[] ParityTable = BuildParity();

    private static byte[] BuildParity()
    {
        var t = new byte[256];
        for (int i = 0; i < 256; i++)
            t[i] = (byte)((System.Numerics.BitOperations.PopCount((uint)i) & 1) == 0 ? Eflags.PF : 0);
        return t;
    }

    public static ulong SignBit(int size) => 1UL << (size * 8 - 1);

    /// <summary>ZF, SF and PF of a result (already cut to size).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint SzpFlags(ulong r, int size) =>
        (r == 0 ? Eflags.ZF : 0) | ((r & SignBit(size)) != 0 ? Eflags.SF : 0) | ParityTable[r & 0xFF];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetStatus(uint status)
    {
        _lazyOp = LazyFlagsOp.None; // every status bit is overwritten
        _flags = (_flags & ~Eflags.Status) | status;
    }

    public bool CF => (Flags & Eflags.CF) != 0;

    /// <summary>ADD/ADC: result and all six flags.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong AddWithFlags(ulong a, ulong b, ulong carry, int size)
    {
        ulong r = (a + b + carry) & SizeMask(size);
        // The carry out of the top bit: for 64 bits the sum wrapped (a + b + carry < a, or equal with a carry in).
        bool carryOut = size == 8 ? r < a || (carry != 0 && r == a) : ((a + b + carry) >> (size * 8)) != 0;
        uint f = SzpFlags(r, size) | (carryOut ? Eflags.CF : 0) | AddAuxOverflow(a, b, r, size);
        SetStatus(f);
        return r;
    }

    /// <summary>AF and OF of the addition a + b (+ carry) = r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint AddAuxOverflow(ulong a, ulong b, ulong r, int size) =>
        (uint)((a ^ b ^ r) & Eflags.AF) | (((a ^ r) & (b ^ r) & SignBit(size)) != 0 ? Eflags.OF : 0);

    /// <summary>AF and OF of the subtraction a - b (- borrow) = r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint SubAuxOverflow(ulong a, ulong b, ulong r, int size) =>
        (uint)((a ^ b ^ r) & Eflags.AF) | (((a ^ b) & (a ^ r) & SignBit(size)) != 0 ? Eflags.OF : 0);

    /// <summary>SUB/SBB/CMP/NEG: result and all six flags (CF is the borrow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong SubWithFlags(ulong a, ulong b, ulong borrow, int size)
    {
        ulong r = (a - b - borrow) & SizeMask(size);
        bool borrowOut = borrow != 0 ? a <= b : a < b; // operands are already cut to size
        uint f = SzpFlags(r, size) | (borrowOut ? Eflags.CF : 0) | SubAuxOverflow(a, b, r, size);
        SetStatus(f);
        return r;
    }

    /// <summary>AND/OR/XOR/TEST: CF = OF = 0, AF = 0 (undefined; QEMU clears it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong LogicFlags(ulong r, int size)
    {
        SetStatus(SzpFlags(r, size));
        return r;
    }

    /// <summary>INC/DEC keep CF.</summary>
    public ulong IncDecWithFlags(ulong a, bool increment, int size)
    {
        uint carry = Flags & Eflags.CF;
        ulong r = increment ? AddWithFlags(a, 1, 0, size) : SubWithFlags(a, 1, 0, size);
        Flags = (Flags & ~Eflags.CF) | carry;
        return r;
    }

    /// <summary>Evaluates a condition code tttn (SDM Vol. 1, B.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Condition(int cc)
    {
        uint f = Flags;
        bool r = (cc >> 1) switch
        {
            0 => (f & Eflags.OF) != 0,
            1 => (f & Eflags.CF) != 0,
            2 => (f & Eflags.ZF) != 0,
            3 => (f & (Eflags.CF | Eflags.ZF)) != 0,
            4 => (f & Eflags.SF) != 0,
            5 => (f & Eflags.PF) != 0,
            6 => ((f & Eflags.SF) != 0) != ((f & Eflags.OF) != 0),
            _ => (f & Eflags.ZF) != 0 || (((f & Eflags.SF) != 0) != ((f & Eflags.OF) != 0)),
        };
        return (cc & 1) != 0 ? !r : r;
    }
}
