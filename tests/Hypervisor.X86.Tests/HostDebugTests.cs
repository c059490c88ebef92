using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The host's debugger on the software CPU (what the gdb stub drives through <see cref="IVcpuDebug"/>):
/// breakpoints stop before the instruction, single-step after one, watchpoints after the access,
/// all invisible to the guest; and the trace sink sees each instruction and interrupt.
/// </summary>
public class HostDebugTests
{
    private const uint Code = 0x10000, Data = 0x20000;

    private static CpuHarness Flat(Action<Assembler> body)
    {
        var h = new CpuHarness();
        h.SetFlatProtectedMode(Code);
        h.Load(Code, h.Assemble(32, Code, a => { body(a); a.hlt(); }));
        return h;
    }

    private static void ThreeIncrementsAndAStore(Assembler a)
    {
        a.inc(eax);      // 0x10000, 1 byte
        a.inc(eax);      // 0x10001
        a.mov(__dword_ptr[Data], eax); // 0x10002
        a.inc(eax);      // 0x10007
    }

    [Fact]
    public void A_breakpoint_stops_before_its_instruction_runs()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        h.Vcpu.SetGuestDebug(new GuestDebug(false, [Code + 1], []));

        Assert.Equal(VcpuExitReason.Debug, h.Run());

        Assert.Equal(DebugStopKind.Breakpoint, h.Vcpu.Exit.DebugStop);
        Assert.Equal(Code + 1, h.Vcpu.Exit.DebugAddress);
        Assert.Equal(Code + 1, h.Regs.Rip);
        Assert.Equal(1UL, h.Regs.Rax);
    }

    [Fact]
    public void Single_step_stops_after_each_instruction()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        h.Vcpu.SetGuestDebug(new GuestDebug(true, [], []));

        Assert.Equal(VcpuExitReason.Debug, h.Run());
        Assert.Equal(DebugStopKind.SingleStep, h.Vcpu.Exit.DebugStop);
        Assert.Equal(Code + 1, h.Regs.Rip);
        Assert.Equal(VcpuExitReason.Debug, h.Run());
        Assert.Equal(Code + 2, h.Regs.Rip);
        Assert.Equal(2UL, h.Regs.Rax);
    }

    [Fact]
    public void A_write_watchpoint_stops_after_the_store_with_the_watched_address()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        h.Vcpu.SetGuestDebug(new GuestDebug(false, [], [new Watchpoint(Data + 2, 1, WatchKind.Write)]));

        Assert.Equal(VcpuExitReason.Debug, h.Run());

        Assert.Equal(DebugStopKind.Watchpoint, h.Vcpu.Exit.DebugStop);
        Assert.Equal(Data + 2, h.Vcpu.Exit.DebugAddress);
        Assert.Equal(Code + 7, h.Regs.Rip); // the store has run
        Assert.Equal(2u, BitConverter.ToUInt32(h.Read(Data, 4)));
    }

    [Fact]
    public void A_read_watchpoint_ignores_writes()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        h.Vcpu.SetGuestDebug(new GuestDebug(false, [], [new Watchpoint(Data, 4, WatchKind.Read)]));

        Assert.Equal(VcpuExitReason.Hlt, h.Run());
    }

    [Fact]
    public void Detaching_runs_the_guest_to_its_end()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        h.Vcpu.SetGuestDebug(new GuestDebug(false, [Code + 1], []));
        Assert.Equal(VcpuExitReason.Debug, h.Run());

        h.Vcpu.SetGuestDebug(null);

        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(3UL, h.Regs.Rax);
    }

    [Fact]
    public void Translation_follows_the_guests_page_tables_without_touching_them()
    {
        using var h = Flat(a => a.nop());
        const uint directory = 0x30000, table = 0x31000;
        h.Load(directory, BitConverter.GetBytes(table | 0x3));
        h.Load(table + 4 * 0x5, BitConverter.GetBytes(0x7000u | 0x3)); // linear 0x5000 -> physical 0x7000
        var s = h.Vcpu.GetSpecialRegisters();
        s.Cr3 = directory;
        s.Cr0 |= 0x8000_0000;
        h.Vcpu.SetSpecialRegisters(s);

        Assert.True(h.Vcpu.TryTranslate(0x5123, out ulong physical));
        Assert.Equal(0x7123UL, physical);
        Assert.False(h.Vcpu.TryTranslate(0x6000, out _));
        Assert.Equal(0x7003u, BitConverter.ToUInt32(h.Read(table + 4 * 0x5, 4))); // no accessed bit set
    }

    [Fact]
    public void The_trace_sees_each_instruction_and_each_interrupt()
    {
        using var h = Flat(ThreeIncrementsAndAStore);
        var sink = new RecordingSink();
        h.Vcpu.SetTrace(sink);

        Assert.Equal(VcpuExitReason.Hlt, h.Run());

        Assert.Equal([Code, Code + 1, Code + 2, Code + 7, Code + 8], sink.Addresses);
        Assert.Equal(Mnemonic.Hlt, sink.Mnemonics[^1]);
    }

    private sealed class RecordingSink : ICpuTraceSink
    {
        public List<ulong> Addresses { get; } = [];
        public List<Mnemonic> Mnemonics { get; } = [];
        public bool Instructions => true;
        public bool Interrupts => true;

        public void Instruction(int vcpu, ulong linear, in Instruction instruction)
        {
            Addresses.Add(linear);
            Mnemonics.Add(instruction.Mnemonic);
        }

        public void Interrupt(int vcpu, byte vector, InterruptSource source, uint? errorCode, ushort cs, ulong eip)
        {
        }
    }
}
