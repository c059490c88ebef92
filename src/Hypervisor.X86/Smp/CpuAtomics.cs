using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// LOCK-prefixed read-modify-write instructions and XCHG with memory, atomic across vCPU threads
/// (SDM Vol. 3, 9.1.2.2). On a VM with several vCPUs such an instruction is decoded without a fast
/// form (<see cref="DecodedInstruction.Atomic"/>) and runs here: its memory destination is read once
/// and written with a host compare-and-exchange against the value read, so a store by another vCPU
/// in between (a plain MOV releasing a spinlock included) is never lost. When the exchange fails the
/// registers, flags and EIP go back to their values before the instruction and it runs again with
/// the new memory value, as a host CPU's LOCK CMPXCHG loop would. XCHG uses a host exchange. A
/// destination that is not plain RAM (MMIO, ROM) or that straddles a page is written as before.
/// A one-vCPU VM never comes here: its instructions are atomic by construction.
/// </summary>
internal sealed unsafe partial class Cpu
{
    /// <summary>Set before the first instruction on every vCPU of a VM with more than one.</summary>
    public bool SharedMemory;

    private bool _inAtomic;
    private byte* _atomicHost;
    private ulong _atomicOld;
    private readonly AtomicRetry _atomicRetry = new();
    private readonly ulong[] _atomicSavedRegs = new ulong[16];

    /// <summary>Compare-and-exchange attempts that lost to another vCPU's store and ran the instruction again.</summary>
    public long AtomicRetries;

    /// <summary>True for a LOCK-prefixed instruction with a memory operand, or XCHG with memory (implicitly locked).</summary>
    private static bool IsLockedReadModifyWrite(in Instruction instr, ExecOp op)
    {
        bool memory = false;
        for (int i = 0; i < instr.OpCount; i++)
            memory |= instr.GetOpKind(i) == OpKind.Memory;
        return memory && (instr.HasLockPrefix || op == ExecOp.Xchg);
    }

    /// <summary>Runs <paramref name="d"/> with its destination written by compare-and-exchange, again until no other vCPU stored in between.</summary>
    private void ExecuteAtomic(ref DecodedInstruction d)
    {
        ulong eip = Rip;
        Array.Copy(Regs, _atomicSavedRegs, 16);
        uint flags = Flags;
        while (true)
        {
            _inAtomic = true;
            _atomicHost = null;
            try
            {
                Execute(ref d);
                return;
            }
            catch (AtomicRetry)
            {
                AtomicRetries++;
                Array.Copy(_atomicSavedRegs, Regs, 16);
                Flags = flags;
                Rip = eip;
            }
            finally
            {
                _inAtomic = false;
            }
        }
    }

    /// <summary>The read half of a read-modify-write at <paramref name="la"/> (already checked writable): remembers the host byte and value for the exchange.</summary>
    private ulong ReadForUpdate(ulong la, int size)
    {
        ulong value = ReadLinear(la, size);
        if (_inAtomic)
        {
            _atomicHost = AtomicHost(la, size);
            _atomicOld = value;
        }
        return value;
    }

    /// <summary>The write half: a compare-and-exchange with the value read, or <see cref="AtomicRetry"/> when another vCPU changed it.</summary>
    private void WriteAfterUpdate(ulong la, int size, ulong value)
    {
        byte* host = _atomicHost;
        if (!_inAtomic || host == null)
        {
            WriteLinear(la, size, value);
            return;
        }
        bool exchanged = size switch
        {
            1 => Interlocked.CompareExchange(ref *host, (byte)value, (byte)_atomicOld) == (byte)_atomicOld,
            2 => Interlocked.CompareExchange(ref *(ushort*)host, (ushort)value, (ushort)_atomicOld) == (ushort)_atomicOld,
            4 => Interlocked.CompareExchange(ref *(uint*)host, (uint)value, (uint)_atomicOld) == (uint)_atomicOld,
            _ => Interlocked.CompareExchange(ref *(ulong*)host, value, _atomicOld) == _atomicOld,
        };
        if (!exchanged)
            throw _atomicRetry;
    }

    /// <summary>XCHG with memory: a host exchange (no retry needed); returns the old memory value.</summary>
    private ulong ExchangeLinear(ulong la, int size, ulong value)
    {
        byte* host = _inAtomic ? AtomicHost(la, size) : null;
        if (host == null)
        {
            ulong old = ReadLinear(la, size);
            WriteLinear(la, size, value);
            return old;
        }
        return size switch
        {
            1 => Interlocked.Exchange(ref *host, (byte)value),
            2 => Interlocked.Exchange(ref *(ushort*)host, (ushort)value),
            4 => Interlocked.Exchange(ref *(uint*)host, (uint)value),
            _ => Interlocked.Exchange(ref *(ulong*)host, value),
        };
    }

    /// <summary>LOCK CMPXCHG8B: one 64-bit host compare-and-exchange; returns the old value (equal to <paramref name="expected"/> when it stored).</summary>
    private bool TryCompareExchange64(ulong la, ulong expected, ulong value, out ulong old)
    {
        byte* host = _inAtomic ? AtomicHost(la, 8) : null;
        if (host == null)
        {
            old = 0;
            return false;
        }
        old = (ulong)Interlocked.CompareExchange(ref *(long*)host, (long)value, (long)expected);
        return true;
    }

    /// <summary>
    /// The host byte behind linear <paramref name="la"/> for an atomic access of <paramref name="size"/>
    /// bytes, the TLB filled for writing (faults as the plain store would); null for MMIO, ROM and a
    /// page-straddling access. A page holding decoded code has that code dropped first, as a store does.
    /// </summary>
    private byte* AtomicHost(ulong la, int size)
    {
        if ((la & PageOffsetMask) > Memory.PhysicalMemory.PageSize - (uint)size)
            return null;
        ref var e = ref TlbSlot(la);
        if (e.Tag != TlbTag(la) || !e.Writable)
            Fill(ref e, la, write: true, Cpl == 3);
        byte* page = Phys.PageWriteHost(e.PhysicalPage);
        if (page == null)
            return null;
        ulong phys = (e.PhysicalPage << 12) | (la & PageOffsetMask);
        if (e.Write == null)
            InvalidateCode(phys, size);
        return page + (la & PageOffsetMask);
    }

    /// <summary>Thrown by a failed exchange; <see cref="ExecuteAtomic"/> runs the instruction again.</summary>
    private sealed class AtomicRetry : Exception;
}
