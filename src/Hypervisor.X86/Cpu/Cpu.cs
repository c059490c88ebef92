using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.X86.Decoding;
using Hypervisor.X86.Memory;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// The architectural state of one x86 CPU and the executor. The execution semantics are split over
/// partial files, one per instruction group as in the Intel SDM (Execution/*.cs), with segmentation,
/// paging, exceptions and the x87 in their own files.
/// </summary>
internal sealed unsafe partial class Cpu
{
    /// <summary>RAX..RDI, R8..R15 in ModRM order (REX.B/X/R give the fourth bit).</summary>
    public readonly ulong[] Regs = new ulong[16];

    /// <summary>
    /// The low 32 bits of general register <paramref name="n"/> (as resolved at decode) without a
    /// bounds check: what 16- and 32-bit code reads and writes. A store through it keeps bits 63:32,
    /// which outside 64-bit mode are unobservable (SDM Vol. 1, 3.4.1.1: undefined after a mode switch);
    /// 64-bit code writes whole registers through <see cref="R64"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref uint R(int n) => ref Unsafe.As<ulong, uint>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Regs), n));

    /// <summary>General register <paramref name="n"/>, all 64 bits, without a bounds check.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong R64(int n) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Regs), n);
    /// <summary>The instruction pointer: RIP in 64-bit mode; outside it EIP (IP in 16-bit code), the upper bits 0.</summary>
    public ulong Rip;
    /// <summary>ES, CS, SS, DS, FS, GS, LDTR, TR (see <see cref="Seg"/>).</summary>
    public readonly SegmentCache[] Segs = new SegmentCache[8];
    public uint Cr0 = ControlBits.Cr0ET | ControlBits.Cr0CD | ControlBits.Cr0NW;
    public uint Cr3, Cr4;
    /// <summary>The linear address of the last page fault (64 bits in long mode).</summary>
    public ulong Cr2;
    public ulong Efer;
    public ulong GdtBase, IdtBase;
    public ushort GdtLimit, IdtLimit = 0x3FF;
    public readonly uint[] Dr = new uint[8];
    /// <summary>Current privilege level (CS.RPL in protected mode, 0 in real mode).</summary>
    public int Cpl;
    /// <summary>Guest time-stamp counter offset (RDTSC = retired instructions + offset).</summary>
    public ulong TscOffset;

    /// <summary>The machine clock the time-stamp counter follows (see <c>Tsc</c>); null: retired instructions.</summary>
    public IClock? Clock { get; init; }
    public ulong ApicBase = 0xFEE00900;
    public ulong SysenterCs, SysenterEsp, SysenterEip;

    /// <summary>Instructions completed so far.</summary>
    public ulong Retired;
    public ulong InstructionLimit = ulong.MaxValue;
    public IInterruptController? InterruptController;

    public readonly PhysicalMemory Phys;
    public readonly VcpuExit Exit;
    private readonly InstructionCache _icache;

    /// <summary>EIP at the start of the current instruction (faults restart from here).</summary>
    private ulong _instrRip;
    /// <summary>RSP at the start of the current instruction (faults restore it).</summary>
    private ulong _instrRsp;
    /// <summary>Set by an instruction that completes with an exit (OUT, MMIO store, HLT).</summary>
    private bool _exitPending;
    /// <summary>Interrupts are inhibited for one instruction after STI, MOV SS and POP SS.</summary>
    private bool _interruptShadow;
    /// <summary>The A20 gate: when clear, physical address bit 20 is forced to 0.</summary>
    public bool A20Enabled = true;

    public Cpu(PhysicalMemory phys, VcpuExit exit)
    {
        Phys = phys;
        Exit = exit;
        _icache = new InstructionCache();
        _tlbSupervisor = new TlbEntry[TlbSize];
        _tlbUser = new TlbEntry[TlbSize];
        _tlb = _tlbSupervisor;
        _fault = new GuestFault();
        _exitSignal = new VmExitSignal();
        ResetToRealMode();
    }

    /// <summary>Power-on state (SDM Vol. 3, 9.1.1), with CS:IP at the reset vector.</summary>
    public void ResetToRealMode()
    {
        Array.Clear(Regs);
        Regs[Gpr.EDX] = CpuSignature; // SDM 9.1.1: EDX holds the CPUID leaf 1 signature
        Flags = Eflags.Reserved1;
        Cr0 = ControlBits.Cr0ET | ControlBits.Cr0CD | ControlBits.Cr0NW;
        Cr2 = Cr3 = Cr4 = 0;
        _cr8 = 0;
        for (int i = 0; i < 6; i++)
            Segs[i] = SegmentCache.Real(0, 3);
        Segs[Seg.CS] = SegmentCache.Real(0xF000, 0xB);
        Segs[Seg.CS].Base = 0xFFFF0000;
        Segs[Seg.Ldtr] = new SegmentCache { Limit = 0xFFFF, Type = 2, Present = true };
        Segs[Seg.Tr] = new SegmentCache { Limit = 0xFFFF, Type = 0xB, Present = true };
        Rip = 0xFFF0;
        GdtBase = IdtBase = 0;
        GdtLimit = IdtLimit = 0xFFFF;
        Cpl = 0;
        FpuInit();
        SseReset();
        StateChanged();
    }

    public bool ProtectedMode => (Cr0 & ControlBits.Cr0PE) != 0;
    public bool PagingEnabled => (Cr0 & ControlBits.Cr0PG) != 0;
    public bool V86Mode => (_flags & Eflags.VM) != 0;
    public int Iopl => (int)(_flags >> Eflags.IoplShift) & 3;

    /// <summary>True when code executes as 32-bit (CS.D in protected mode).</summary>
    public bool Code32;
    /// <summary>True in 64-bit mode (IA-32e mode with CS.L): 64-bit RIP, RSP and addresses.</summary>
    public bool Code64;
    /// <summary>
    /// True when the stack is 32-bit: SS.B, in real mode too (a real-mode load keeps the cached
    /// attributes, so a big stack survives the return from protected mode); never in virtual-8086 mode.
    /// </summary>
    public bool Stack32;

    /// <summary>Recomputes derived state after a mode, CS, SS, CR0/CR3/CR4 or CPL change.</summary>
    public void StateChanged()
    {
        Code64 = LongModeActive && ProtectedMode && Segs[Seg.CS].L;
        _segmentChecks = ProtectedMode && !V86Mode && !Code64; // 64-bit mode has no limits, only canonical checks
        _linearMask = Code64 ? ulong.MaxValue : uint.MaxValue;
        Code32 = _segmentChecks && Segs[Seg.CS].Db;
        Stack32 = !V86Mode && Segs[Seg.SS].Db;
        _tlb = Cpl == 3 ? _tlbUser : _tlbSupervisor;
        _csBase = (uint)Segs[Seg.CS].Base; // 0 in 64-bit mode; FS/GS bases never reach here
        _csLimit = Segs[Seg.CS].Limit;
        _eipLimit = _segmentChecks ? _csLimit : uint.MaxValue;
        _fetchPage = NoFetchPage;
    }

    /// <summary>Drops every decoded instruction (e.g. after the VMM rewrote memory through Set*Registers).</summary>
    public void FlushDecodedCode()
    {
        _icache.Clear();
        DropAllBlocks();
    }
}
