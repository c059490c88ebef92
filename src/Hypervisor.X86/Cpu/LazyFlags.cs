using System.Runtime.CompilerServices;

namespace Hypervisor.X86.Cpu;

/// <summary>The operation whose six status flags are still owed (see <see cref="Cpu.Flags"/>).</summary>
internal enum LazyFlagsOp : byte
{
    None,
    Add32, Sub32, Logic32, Inc32, Dec32,
    Add16, Sub16, Logic16, Inc16, Dec16,
    Sub8,
    // 64-bit operations (64-bit mode): operands and result in the 64-bit record (Cpu/LazyFlags64.cs).
    Add64, Sub64, Logic64, Inc64, Dec64,
    // a = the value shifted, b = the masked non-zero count: every status bit follows from them (ShiftStatus).
    Shl32, Shr32, Sar32, Shl16, Shr16, Sar16,
}

/// <summary>
/// Lazy status flags, as QEMU's cc_op and Bochs' lazy flags: the fast handlers record the last ALU
/// operation's operands and result instead of computing CF, PF, AF, ZF, SF and OF, because most
/// flags are overwritten before anything reads them. <see cref="Flags"/> computes them on the first
/// read; a conditional jump after CMP/SUB/AND/DEC tests the operands directly. The system bits of
/// EFLAGS (IF, TF, DF, IOPL, VM, ...) are never lazy and can be read from <see cref="_flags"/>.
/// </summary>
internal sealed partial class Cpu
{
    /// <summary>EFLAGS; the status bits are stale while <see cref="_lazyOp"/> is not None.</summary>
    private uint _flags = Eflags.Reserved1;
    private LazyFlagsOp _lazyOp;
    /// <summary>The owed operation's operands (a op b) and its result, cut to its size.</summary>
    private uint _lazyA, _lazyB, _lazyResult;

    /// <summary>EFLAGS, every bit live: reading computes owed status flags, writing drops them.</summary>
    public uint Flags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_lazyOp != LazyFlagsOp.None)
                MaterializeFlags();
            return _flags;
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            _lazyOp = LazyFlagsOp.None;
            _flags = value;
        }
    }

    /// <summary>Owes the flags of <paramref name="op"/>; for INC/DEC, CF must already be right in <see cref="_flags"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetLazy(LazyFlagsOp op, uint a, uint b, uint result)
    {
        _lazyOp = op;
        _lazyA = a;
        _lazyB = b;
        _lazyResult = result;
    }

    /// <summary>INC/DEC keep CF: settle it into <see cref="_flags"/> before owing the other five.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetLazyIncDec(LazyFlagsOp op, uint a, uint result)
    {
        if (_lazyOp != LazyFlagsOp.None)
            _flags = (_flags & ~Eflags.CF) | LazyCarry();
        SetLazy(op, a, 1, result);
    }

    /// <summary>CF of the owed operation (INC/DEC: the CF they kept).</summary>
    private uint LazyCarry() => _lazyOp switch
    {
        LazyFlagsOp.Add32 or LazyFlagsOp.Add16 => _lazyResult < _lazyA ? Eflags.CF : 0,
        LazyFlagsOp.Sub32 or LazyFlagsOp.Sub16 or LazyFlagsOp.Sub8 => _lazyA < _lazyB ? Eflags.CF : 0,
        LazyFlagsOp.Logic32 or LazyFlagsOp.Logic16 or LazyFlagsOp.Logic64 => 0,
        LazyFlagsOp.Add64 => _lazyResult64 < _lazyA64 ? Eflags.CF : 0,
        LazyFlagsOp.Sub64 => _lazyA64 < _lazyB64 ? Eflags.CF : 0,
        >= LazyFlagsOp.Shl32 => LazyShiftStatus() & Eflags.CF,
        _ => _flags & Eflags.CF,
    };

    /// <summary>The status flags an owed SHL/SHR/SAR computes.</summary>
    private uint LazyShiftStatus()
    {
        int n = _lazyOp - LazyFlagsOp.Shl32;
        var op = (n % 3) switch { 0 => ShiftOp.Shl, 1 => ShiftOp.Shr, _ => ShiftOp.Sar };
        return ShiftStatus(op, _lazyA, _lazyB, n < 3 ? 4 : 2);
    }

    /// <summary>The owed operation of a 32-bit (16-bit) SHL, SHR or SAR.</summary>
    private static LazyFlagsOp LazyShift(ShiftOp op, int size) =>
        (LazyFlagsOp)((int)(size == 4 ? LazyFlagsOp.Shl32 : LazyFlagsOp.Shl16) + (op == ShiftOp.Shl ? 0 : op == ShiftOp.Shr ? 1 : 2));

    private void MaterializeFlags()
    {
        if (_lazyOp >= LazyFlagsOp.Shl32)
        {
            _flags = (_flags & ~Eflags.Status) | LazyShiftStatus();
            _lazyOp = LazyFlagsOp.None;
            return;
        }
        if (_lazyOp >= LazyFlagsOp.Add64)
        {
            _flags = (_flags & ~Eflags.Status) | LazyStatus64();
            _lazyOp = LazyFlagsOp.None;
            return;
        }
        uint a = _lazyA, b = _lazyB, r = _lazyResult;
        int size = _lazyOp switch
        {
            LazyFlagsOp.Add32 or LazyFlagsOp.Sub32 or LazyFlagsOp.Logic32 or LazyFlagsOp.Inc32 or LazyFlagsOp.Dec32 => 4,
            LazyFlagsOp.Sub8 => 1,
            _ => 2,
        };
        uint f = SzpFlags(r, size);
        switch (_lazyOp)
        {
            // INC/DEC owe b = 1 and keep the CF already settled in _flags.
            case LazyFlagsOp.Add32: case LazyFlagsOp.Add16:
                f |= (r < a ? Eflags.CF : 0) | AddAuxOverflow(a, b, r, size);
                break;
            case LazyFlagsOp.Inc32: case LazyFlagsOp.Inc16:
                f |= (_flags & Eflags.CF) | AddAuxOverflow(a, b, r, size);
                break;
            case LazyFlagsOp.Sub32: case LazyFlagsOp.Sub16: case LazyFlagsOp.Sub8:
                f |= (a < b ? Eflags.CF : 0) | SubAuxOverflow(a, b, r, size);
                break;
            case LazyFlagsOp.Dec32: case LazyFlagsOp.Dec16:
                f |= (_flags & Eflags.CF) | SubAuxOverflow(a, b, r, size);
                break;
        }
        _flags = (_flags & ~Eflags.Status) | f;
        _lazyOp = LazyFlagsOp.None;
    }

    /// <summary>
    /// A condition code tttn (SDM Vol. 1, B.1) straight from the owed CMP/SUB, logic or INC/DEC
    /// operation where that is one comparison, else from the computed flags.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool FastCondition(int cc)
    {
        switch (_lazyOp)
        {
            case LazyFlagsOp.Sub32:
            {
                uint a = _lazyA, b = _lazyB;
                bool r;
                switch (cc >> 1)
                {
                    case 1: r = a < b; break;                       // B / AE
                    case 2: r = a == b; break;                      // E / NE
                    case 3: r = a <= b; break;                      // BE / A
                    case 4: r = (int)_lazyResult < 0; break;        // S / NS
                    case 6: r = (int)a < (int)b; break;             // L / GE
                    case 7: r = (int)a <= (int)b; break;            // LE / G
                    default: return Condition(cc);
                }
                return (cc & 1) != 0 ? !r : r;
            }
            case LazyFlagsOp.Logic32 or LazyFlagsOp.Dec32 or LazyFlagsOp.Inc32
                or LazyFlagsOp.Logic16 or LazyFlagsOp.Dec16 or LazyFlagsOp.Inc16
                or >= LazyFlagsOp.Shl32 when (cc >> 1) == 2:
                return (_lazyResult == 0) ^ ((cc & 1) != 0);        // E / NE
            case >= LazyFlagsOp.Add64 and < LazyFlagsOp.Shl32:
                return Condition64(cc);
            default:
                return NarrowCondition(cc);
        }
    }

    /// <summary>The rest of <see cref="FastCondition"/>, out of line so the inlined part stays small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool NarrowCondition(int cc)
    {
        switch (_lazyOp)
        {
            case LazyFlagsOp.Sub16 or LazyFlagsOp.Sub8:
            {
                // Operands are zero-extended: unsigned tests as above, signed ones after sign extension.
                int shift = _lazyOp == LazyFlagsOp.Sub16 ? 16 : 24;
                uint a = _lazyA, b = _lazyB;
                int sa = (int)(a << shift), sb = (int)(b << shift);
                bool r;
                switch (cc >> 1)
                {
                    case 1: r = a < b; break;
                    case 2: r = a == b; break;
                    case 3: r = a <= b; break;
                    case 4: r = (int)(_lazyResult << shift) < 0; break;
                    case 6: r = sa < sb; break;
                    case 7: r = sa <= sb; break;
                    default: return Condition(cc);
                }
                return (cc & 1) != 0 ? !r : r;
            }
            default:
                return Condition(cc);
        }
    }
}
