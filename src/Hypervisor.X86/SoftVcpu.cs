using System.Runtime.InteropServices;
using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Apic;
using Hypervisor.X86.Apic;
using Hypervisor.X86.Cpu;
using Hypervisor.X86.Memory;

namespace Hypervisor.X86;

/// <summary>
/// A vCPU of the software accelerator. <see cref="Run"/> emulates guest code until an exit, with
/// KVM's semantics: IN and MMIO loads complete on the next Run() with <see cref="VcpuExit.Data"/>;
/// REP INS/OUTS make one exit per iteration (IoCount = 1). <see cref="InstructionsRetired"/> counts
/// instructions, each iteration of a REP string instruction and each exception delivered, so
/// <see cref="InstructionLimit"/> also stops long REPs and fault loops.
/// </summary>
public sealed unsafe partial class SoftVcpu : IVcpu, IA20Gate, IVcpuDebug, IVcpuTrace
{
    private const int ExitDataCapacity = 4096;
    private byte* _exitData;
    private readonly Cpu.Cpu _cpu;

    internal SoftVcpu(int id, PhysicalMemory physical, IClock? clock = null, ApicBus? apicBus = null)
    {
        Id = id;
        _exitData = (byte*)NativeMemory.AllocZeroed(ExitDataCapacity);
        Exit = new VcpuExit(_exitData, ExitDataCapacity);
        _cpu = new Cpu.Cpu(physical, Exit) { Clock = clock, TraceId = id };
        if (apicBus != null)
        {
            // vCPU 0 is the bootstrap processor; the others wait for INIT and a start-up IPI.
            bool bootstrap = id == 0;
            var apic = new LocalApic((byte)id, bootstrap, apicBus, _cpu, clock);
            _cpu.AttachLocalApic(apic, bootstrap);
            apicBus.Attach(apic);
            if (!bootstrap)
                _cpu.WaitForStartup();
        }
    }

    public int Id { get; }

    public VcpuExit Exit { get; }

    internal Cpu.Cpu Cpu => _cpu;

    public VcpuExitReason Run() => _cpu.Run();

    /// <summary>The executor polls the controller's INTR between blocks; a translated loop is told to leave so that happens soon.</summary>
    public void InterruptLineChanged()
    {
        _cpu.NoteInterruptLineChanged();
        _cpu.WakeFromHalt();
    }

    public void RequestExit() => _cpu.RequestExit();

    internal void NoteExternalWrite(ulong address, int length) => _cpu.NoteExternalWrite(address, length);

    internal void NoteMemoryMapChange(ulong address, ulong length) => _cpu.NoteMemoryMapChange(address, length);

    public ulong? InstructionsRetired => _cpu.Retired;

    public ulong InstructionLimit
    {
        get => _cpu.InstructionLimit;
        set => _cpu.InstructionLimit = value;
    }

    /// <summary>
    /// The 8259 that drives INTR. With a local APIC the CPU's controller is the APIC, and this 8259
    /// reaches it through LINT0 (ExtINT); the getter then returns the APIC, which is what wakes a HLT.
    /// </summary>
    public IInterruptController? InterruptController
    {
        get => _cpu.InterruptController;
        set
        {
            if (_cpu.LocalApic is { } apic)
                apic.ExtIntSource = value;
            else
                _cpu.InterruptController = value;
        }
    }

    /// <summary>Thread-safe: asserts the NMI pin (delivered through vector 2, even with IF = 0 or in HLT).</summary>
    public void RaiseNmi() => _cpu.RaiseNmi();

    /// <summary>The A20 gate (a machine option; port 0x92 or the keyboard controller may drive it).</summary>
    public bool A20Enabled
    {
        get => _cpu.A20Enabled;
        set
        {
            _cpu.A20Enabled = value;
            _cpu.FlushTlb();
        }
    }

    /// <summary>The debugger's breakpoints are checked by EIP before each instruction, never written into guest memory.</summary>
    public bool PatchesSoftwareBreakpoints => false;

    /// <summary>Breakpoints and watchpoints are the host's own lists, not DR0-DR3: no fixed number.</summary>
    public int HardwareSlots => int.MaxValue;

    public void SetGuestDebug(GuestDebug? debug) => _cpu.SetHostDebug(debug);

    public bool TryTranslate(ulong linear, out ulong physical) => _cpu.TryTranslate((uint)linear, out physical);

    public void SetTrace(ICpuTraceSink? sink) => _cpu.SetTrace(sink);

    public VcpuRegisters GetRegisters()
    {
        var r = _cpu.Regs;
        return new VcpuRegisters
        {
            Rax = r[Gpr.EAX], Rcx = r[Gpr.ECX], Rdx = r[Gpr.EDX], Rbx = r[Gpr.EBX],
            Rsp = r[Gpr.ESP], Rbp = r[Gpr.EBP], Rsi = r[Gpr.ESI], Rdi = r[Gpr.EDI],
            R8 = r[8], R9 = r[9], R10 = r[10], R11 = r[11], R12 = r[12], R13 = r[13], R14 = r[14], R15 = r[15],
            Rip = _cpu.Rip, Rflags = _cpu.Flags,
        };
    }

    public void SetRegisters(in VcpuRegisters registers)
    {
        var r = _cpu.Regs;
        r[Gpr.EAX] = registers.Rax; r[Gpr.ECX] = registers.Rcx;
        r[Gpr.EDX] = registers.Rdx; r[Gpr.EBX] = registers.Rbx;
        r[Gpr.ESP] = registers.Rsp; r[Gpr.EBP] = registers.Rbp;
        r[Gpr.ESI] = registers.Rsi; r[Gpr.EDI] = registers.Rdi;
        r[8] = registers.R8; r[9] = registers.R9; r[10] = registers.R10; r[11] = registers.R11;
        r[12] = registers.R12; r[13] = registers.R13; r[14] = registers.R14; r[15] = registers.R15;
        _cpu.Rip = (uint)registers.Rip;
        _cpu.Flags = ((uint)registers.Rflags & ~0xFFC08028u) | Eflags.Reserved1;
        _cpu.StateChanged();
    }

    public VcpuSpecialRegisters GetSpecialRegisters()
    {
        var s = _cpu.Segs;
        return new VcpuSpecialRegisters
        {
            Es = ToKvm(s[Seg.ES]), Cs = ToKvm(s[Seg.CS]), Ss = ToKvm(s[Seg.SS]), Ds = ToKvm(s[Seg.DS]),
            Fs = ToKvm(s[Seg.FS]), Gs = ToKvm(s[Seg.GS]), Ldt = ToKvm(s[Seg.Ldtr]), Tr = ToKvm(s[Seg.Tr]),
            Gdt = new DescriptorTableRegister { Base = _cpu.GdtBase, Limit = _cpu.GdtLimit },
            Idt = new DescriptorTableRegister { Base = _cpu.IdtBase, Limit = _cpu.IdtLimit },
            Cr0 = _cpu.Cr0, Cr2 = _cpu.Cr2, Cr3 = _cpu.Cr3, Cr4 = _cpu.Cr4, Cr8 = _cpu.Cr8,
            Efer = _cpu.Efer, ApicBase = _cpu.ApicBase,
        };
    }

    public void SetSpecialRegisters(in VcpuSpecialRegisters sr)
    {
        var s = _cpu.Segs;
        s[Seg.ES] = FromKvm(sr.Es); s[Seg.CS] = FromKvm(sr.Cs); s[Seg.SS] = FromKvm(sr.Ss);
        s[Seg.DS] = FromKvm(sr.Ds); s[Seg.FS] = FromKvm(sr.Fs); s[Seg.GS] = FromKvm(sr.Gs);
        s[Seg.Ldtr] = FromKvm(sr.Ldt); s[Seg.Tr] = FromKvm(sr.Tr);
        // Bases and CR2 keep all 64 bits (long mode); CR3 holds page tables below 4 GiB.
        _cpu.GdtBase = sr.Gdt.Base; _cpu.GdtLimit = sr.Gdt.Limit;
        _cpu.IdtBase = sr.Idt.Base; _cpu.IdtLimit = sr.Idt.Limit;
        _cpu.Cr0 = (uint)sr.Cr0 | ControlBits.Cr0ET;
        _cpu.Cr2 = sr.Cr2; _cpu.Cr3 = (uint)sr.Cr3; _cpu.Cr4 = (uint)sr.Cr4;
        _cpu.Efer = sr.Efer;
        if (sr.ApicBase != 0)
            _cpu.ApicBase = sr.ApicBase;
        _cpu.WriteCr8(sr.Cr8 & 0xF);
        _cpu.Cpl = _cpu.ProtectedMode ? s[Seg.CS].Selector & 3 : 0;
        _cpu.FlushTlb();
        _cpu.StateChanged();
    }

    private static SegmentRegister ToKvm(in SegmentCache c) => new()
    {
        Base = c.Base, Limit = c.Limit, Selector = c.Selector, Type = c.Type, Present = c.Present,
        Dpl = c.Dpl, Db = c.Db, S = c.S, L = c.L, G = c.G, Avl = c.Avl, Unusable = c.Unusable,
    };

    private static SegmentCache FromKvm(in SegmentRegister r) => new()
    {
        Base = r.Base, Limit = r.Limit, Selector = r.Selector, Type = r.Type, Present = r.Present,
        Dpl = r.Dpl, Db = r.Db, S = r.S, L = r.L, G = r.G, Avl = r.Avl, Unusable = r.Unusable,
    };

    public void Dispose()
    {
        _cpu.LocalApic?.Dispose();
        if (_exitData != null)
        {
            NativeMemory.Free(_exitData);
            _exitData = null;
        }
    }
}
