using System.Runtime.CompilerServices;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The lazy-flag record of 64-bit operations (64-bit mode's fast forms): the same idea as the
/// 32-bit record in LazyFlags.cs, kept in fields of its own so the 32-bit record (which translated
/// code keeps in IL locals) stays 32 bits wide. <see cref="LazyFlagsOp.Add64"/>..Dec64 name it.
/// </summary>
internal sealed partial class Cpu
{
    private ulong _lazyA64, _lazyB64, _lazyResult64;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetLazy64(LazyFlagsOp op, ulong a, ulong b, ulong result)
    {
        _lazyOp = op;
        _lazyA64 = a;
        _lazyB64 = b;
        _lazyResult64 = result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Add64(ulong a, ulong b) { ulong r = a + b; SetLazy64(LazyFlagsOp.Add64, a, b, r); return r; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Sub64(ulong a, ulong b) { ulong r = a - b; SetLazy64(LazyFlagsOp.Sub64, a, b, r); return r; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Logic64(ulong r) { SetLazy64(LazyFlagsOp.Logic64, 0, 0, r); return r; }

    /// <summary>INC/DEC of a quadword keep CF: settle it before owing the other five.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong IncDec64(ulong a, bool inc)
    {
        if (_lazyOp != LazyFlagsOp.None)
            _flags = (_flags & ~Eflags.CF) | LazyCarry();
        ulong r = inc ? a + 1 : a - 1;
        SetLazy64(inc ? LazyFlagsOp.Inc64 : LazyFlagsOp.Dec64, a, 1, r);
        return r;
    }

    /// <summary>The six status flags of the owed 64-bit operation.</summary>
    private uint LazyStatus64()
    {
        ulong a = _lazyA64, b = _lazyB64, r = _lazyResult64;
        uint f = SzpFlags(r, 8);
        return _lazyOp switch
        {
            LazyFlagsOp.Add64 => f | (r < a ? Eflags.CF : 0) | AddAuxOverflow(a, b, r, 8),
            LazyFlagsOp.Inc64 => f | (_flags & Eflags.CF) | AddAuxOverflow(a, b, r, 8),
            LazyFlagsOp.Sub64 => f | (a < b ? Eflags.CF : 0) | SubAuxOverflow(a, b, r, 8),
            LazyFlagsOp.Dec64 => f | (_flags & Eflags.CF) | SubAuxOverflow(a, b, r, 8),
            _ => f, // logic: CF = OF = 0, AF = 0 (QEMU's choice for the undefined AF)
        };
    }

    /// <summary>A condition tttn straight from an owed 64-bit CMP/SUB or from a result's zero test; else from the flags.</summary>
    private bool Condition64(int cc)
    {
        if (_lazyOp == LazyFlagsOp.Sub64)
        {
            ulong a = _lazyA64, b = _lazyB64;
            bool r;
            switch (cc >> 1)
            {
                case 1: r = a < b; break;                       // B / AE
                case 2: r = a == b; break;                      // E / NE
                case 3: r = a <= b; break;                      // BE / A
                case 4: r = (long)_lazyResult64 < 0; break;     // S / NS
                case 6: r = (long)a < (long)b; break;           // L / GE
                case 7: r = (long)a <= (long)b; break;          // LE / G
                default: return Condition(cc);
            }
            return (cc & 1) != 0 ? !r : r;
        }
        if ((cc >> 1) == 2)
            return (_lazyResult64 == 0) ^ ((cc & 1) != 0);      // E / NE
        return Condition(cc);
    }
}
