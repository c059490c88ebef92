using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.X86.Apic;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>The software CPU's local APIC (SDM Vol. 3, chapter 11): the MSR, the page, priorities, the timer, IPIs.</summary>
public class LocalApicTests
{
    private const uint ApicPage = 0xFEE00000;

    private static LocalApic Apic(CpuHarness h) => h.Vcpu.Cpu.LocalApic!;

    private static LocalApic EnabledApic(CpuHarness h)
    {
        var apic = Apic(h);
        apic.Write(ApicRegister.SpuriousVector, 0x1FF);
        return apic;
    }

    [Fact]
    public void Cpuid_reports_the_apic_and_its_id_only_on_a_machine_with_one()
    {
        var without = Flat(a => { a.mov(eax, 1); a.cpuid(); a.hlt(); });
        using var h = CpuHarness.WithApic();
        var with = Flat(a => { a.mov(eax, 1); a.cpuid(); a.hlt(); }, harness: h);

        Assert.Equal(0UL, without.Rdx & (1 << 9));
        Assert.Equal(1UL << 9, with.Rdx & (1 << 9));
        Assert.Equal(0UL, with.Rbx >> 24); // initial APIC ID of vCPU 0
    }

    [Fact]
    public void Apic_base_msr_is_a_gp_fault_without_an_apic()
    {
        using var h = new CpuHarness();
        h.Load(FlatCode, h.Assemble(32, FlatCode, a => { a.mov(ecx, 0x1B); a.rdmsr(); a.hlt(); }));
        h.SetFlatProtectedMode((uint)FlatCode);

        Assert.Equal(VcpuExitReason.Shutdown, h.Run()); // #GP with no IDT: triple fault
    }

    [Fact]
    public void Apic_base_msr_reads_the_enabled_bsp_at_the_default_page()
    {
        using var h = CpuHarness.WithApic();
        var r = Flat(a => { a.mov(ecx, 0x1B); a.rdmsr(); a.hlt(); }, harness: h);

        Assert.Equal(0xFEE00900UL, r.Rax);
        Assert.Equal(0UL, r.Rdx);
    }

    [Fact]
    public void Registers_answer_in_the_apic_page_without_an_exit()
    {
        using var h = CpuHarness.WithApic();
        var r = Flat(a =>
        {
            a.mov(eax, __dword_ptr[ApicPage + ApicRegister.Version]);
            a.mov(__dword_ptr[ApicPage + ApicRegister.TaskPriority], 0x35);
            a.mov(ebx, __dword_ptr[ApicPage + ApicRegister.TaskPriority]);
            a.mov(cl, __byte_ptr[ApicPage + ApicRegister.Version + 2]);
            a.hlt();
        }, harness: h);

        Assert.Equal(0x50014UL, r.Rax);
        Assert.Equal(0x35UL, r.Rbx);
        Assert.Equal(0x05UL, r.Rcx & 0xFF); // a byte load sees the register's byte 2
    }

    [Fact]
    public void Relocated_apic_answers_at_its_new_base_and_the_old_page_goes_to_the_bus()
    {
        using var h = CpuHarness.WithApic();
        h.Load(FlatCode, h.Assemble(32, FlatCode, a =>
        {
            a.mov(ecx, 0x1B); a.mov(eax, 0xFED00900); a.xor(edx, edx); a.wrmsr();
            a.mov(esi, __dword_ptr[0xFED00000 + ApicRegister.Version]);
            a.mov(edi, __dword_ptr[ApicPage + ApicRegister.Version]);
            a.hlt();
        }));
        h.SetFlatProtectedMode((uint)FlatCode);

        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.Equal(ApicPage + (ulong)ApicRegister.Version, h.Vcpu.Exit.MmioAddress);
        Assert.Equal(0x50014UL, h.Regs.Rsi);
    }

    [Fact]
    public void Globally_disabled_apic_leaves_its_page_to_the_bus_and_cpuid_stops_reporting_it()
    {
        using var h = CpuHarness.WithApic();
        h.Load(FlatCode, h.Assemble(32, FlatCode, a =>
        {
            a.mov(ecx, 0x1B); a.mov(eax, 0xFEE00100); a.xor(edx, edx); a.wrmsr();
            a.mov(eax, 1); a.cpuid();
            a.mov(esi, __dword_ptr[ApicPage + ApicRegister.Version]);
            a.hlt();
        }));
        h.SetFlatProtectedMode((uint)FlatCode);

        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.Equal(0UL, h.Regs.Rdx & (1 << 9));
    }

    [Fact]
    public void Reserved_apic_base_bits_are_a_gp_fault()
    {
        using var h = CpuHarness.WithApic();
        h.Load(FlatCode, h.Assemble(32, FlatCode, a => { a.mov(ecx, 0x1B); a.mov(eax, 0xFEE00901 /* bit 0 */); a.xor(edx, edx); a.wrmsr(); a.hlt(); }));
        h.SetFlatProtectedMode((uint)FlatCode);

        Assert.Equal(VcpuExitReason.Shutdown, h.Run());
    }

    [Fact]
    public void Highest_class_above_ppr_is_delivered_first_and_eoi_broadcasts_level_vectors()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        var ended = new List<byte>();
        h.ApicBus!.EndOfInterrupt += ended.Add;

        h.ApicBus.Send(new ApicMessage(0x51, ApicDeliveryMode.Fixed, 0));
        h.ApicBus.Send(new ApicMessage(0x62, ApicDeliveryMode.Fixed, 0, LevelTriggered: true));

        Assert.True(apic.HasPendingInterrupt);
        Assert.Equal(0x62, apic.Acknowledge());
        Assert.Equal(0x60u, apic.Read(ApicRegister.ProcessorPriority));
        Assert.False(apic.HasPendingInterrupt); // 0x51's class is below the in-service 0x62
        Assert.Equal(1u << 2, apic.Read(ApicRegister.TriggerMode + 0x30)); // TMR bit of 0x62

        apic.Write(ApicRegister.Eoi, 0);

        Assert.Equal([0x62], ended);
        Assert.True(apic.HasPendingInterrupt);
        Assert.Equal(0x51, apic.Acknowledge());
        apic.Write(ApicRegister.Eoi, 0);
        Assert.Equal([0x62], ended); // edge-triggered: no broadcast
    }

    [Fact]
    public void Tpr_holds_back_vectors_of_its_class_and_below()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        apic.Write(ApicRegister.TaskPriority, 0x70);
        h.ApicBus!.Send(new ApicMessage(0x75, ApicDeliveryMode.Fixed, 0));

        Assert.False(apic.HasPendingInterrupt);
        apic.Write(ApicRegister.TaskPriority, 0x60);
        Assert.True(apic.HasPendingInterrupt);
    }

    [Fact]
    public void Software_disabled_apic_delivers_nothing_and_keeps_lvt_entries_masked()
    {
        using var h = CpuHarness.WithApic();
        var apic = Apic(h);
        h.ApicBus!.Send(new ApicMessage(0x40, ApicDeliveryMode.Fixed, 0));
        apic.Write(ApicRegister.LvtTimer, 0x41);

        Assert.False(apic.HasPendingInterrupt);
        Assert.Equal(0x10041u, apic.Read(ApicRegister.LvtTimer));
    }

    [Fact]
    public void Illegal_vector_sets_the_esr_after_an_esr_write_and_raises_the_error_vector()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        apic.Write(ApicRegister.LvtError, 0xFE);

        apic.Write(ApicRegister.InterruptCommandLow, 0x0004_0003); // fixed, self, vector 3

        Assert.Equal(0u, apic.Read(ApicRegister.ErrorStatus)); // latched by the next write
        apic.Write(ApicRegister.ErrorStatus, 0);
        Assert.Equal(0x20u, apic.Read(ApicRegister.ErrorStatus));
        Assert.Equal(0xFE, apic.Acknowledge());
    }

    [Fact]
    public void Logical_destinations_match_the_ldr_in_flat_and_cluster_models()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        apic.Write(ApicRegister.LogicalDestination, 0x2400_0000);

        Assert.True(apic.MatchesLogical(0x04));
        Assert.False(apic.MatchesLogical(0x08));
        apic.Write(ApicRegister.DestinationFormat, 0x0FFF_FFFF); // cluster model
        Assert.True(apic.MatchesLogical(0x2C));
        Assert.False(apic.MatchesLogical(0x34));
    }

    [Fact]
    public void One_shot_timer_counts_down_with_the_clock_and_requests_its_vector_once()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        h.Load(FlatCode, h.Assemble(32, FlatCode, a => { var top = a.CreateLabel(); a.Label(ref top); a.nop(); a.jmp(top); }));
        h.SetFlatProtectedMode((uint)FlatCode);
        apic.Write(ApicRegister.TimerDivide, 0xB); // divide by 1: one count per nanosecond
        apic.Write(ApicRegister.LvtTimer, 0x48);
        apic.Write(ApicRegister.TimerInitialCount, 1000);

        h.Vcpu.InstructionLimit = 400;
        Assert.Equal(VcpuExitReason.Intr, h.Run());
        Assert.Equal(600u, apic.Read(ApicRegister.TimerCurrentCount));
        h.Clock!.RunDueTimers();
        Assert.False(apic.HasPendingInterrupt);

        h.Vcpu.InstructionLimit = 1000;
        h.Run();
        h.Clock.RunDueTimers();
        Assert.Equal(0u, apic.Read(ApicRegister.TimerCurrentCount));
        Assert.Equal(0x48, apic.Acknowledge());
        apic.Write(ApicRegister.Eoi, 0);

        h.Vcpu.InstructionLimit = 3000;
        h.Run();
        h.Clock.RunDueTimers();
        Assert.False(apic.HasPendingInterrupt);
    }

    [Fact]
    public void Periodic_timer_reloads_and_divides_the_bus_clock()
    {
        using var h = CpuHarness.WithApic();
        var apic = EnabledApic(h);
        h.Load(FlatCode, h.Assemble(32, FlatCode, a => { var top = a.CreateLabel(); a.Label(ref top); a.nop(); a.jmp(top); }));
        h.SetFlatProtectedMode((uint)FlatCode);
        apic.Write(ApicRegister.TimerDivide, 0x1); // divide by 4
        apic.Write(ApicRegister.LvtTimer, (1 << 17) | 0x49);
        apic.Write(ApicRegister.TimerInitialCount, 100); // 400 ns a period

        h.Vcpu.InstructionLimit = 1000;
        h.Run();
        h.Clock!.RunDueTimers();
        Assert.Equal(0x49, apic.Acknowledge());
        apic.Write(ApicRegister.Eoi, 0);
        Assert.Equal(100u - (1000u - 800u) / 4, apic.Read(ApicRegister.TimerCurrentCount));

        h.Vcpu.InstructionLimit = 1250;
        h.Run();
        h.Clock.RunDueTimers();
        Assert.True(apic.HasPendingInterrupt);
    }

    [Fact]
    public void Init_and_startup_ipis_start_an_application_processor_in_real_mode()
    {
        using var h = CpuHarness.WithApic();
        var ap = (SoftVcpu)h.Vm.CreateVcpu(1);
        ap.InstructionLimit = 1_000_000;
        h.Load(0x8000, h.Assemble(16, 0x8000, a => { a.mov(ax, 0x1234); a.mov(bx, cs); a.hlt(); }));
        var bsp = EnabledApic(h);
        VcpuExitReason? apExit = null;
        var thread = new Thread(() => apExit = ap.Run());
        thread.Start();
        Assert.False(thread.Join(100)); // waiting for its start-up IPI

        bsp.Write(ApicRegister.InterruptCommandHigh, 1u << 24);
        bsp.Write(ApicRegister.InterruptCommandLow, 0x0000_4500); // INIT, assert
        bsp.Write(ApicRegister.InterruptCommandLow, 0x0000_4608); // start-up at 0x8000
        Assert.True(thread.Join(5000));

        Assert.Equal(VcpuExitReason.Intr, apExit); // HLT with IF = 0 on a VM with several vCPUs parks that vCPU
        Assert.Equal(6UL, ap.GetRegisters().Rip); // past the HLT (mov ax: 3 bytes, mov bx, cs: 2, hlt: 1)
        Assert.Equal(0x1234UL, ap.GetRegisters().Rax & 0xFFFF);
        Assert.Equal(0x0800UL, ap.GetRegisters().Rbx & 0xFFFF);
        Assert.Equal(1, ap.Cpu.LocalApic!.ApicId);
    }

    [Fact]
    public void Application_processor_stopped_by_init_keeps_waiting_in_run_for_a_late_startup_ipi()
    {
        // The AP's sleep services the INIT alone; it must sleep on, not return to the VMM at the reset vector.
        using var h = CpuHarness.WithApic();
        var ap = (SoftVcpu)h.Vm.CreateVcpu(1);
        ap.InstructionLimit = 1_000_000;
        h.Load(0x9000, h.Assemble(16, 0x9000, a => { a.mov(ax, 0x4321); a.hlt(); }));
        var bsp = EnabledApic(h);
        VcpuExitReason? apExit = null;
        var thread = new Thread(() => apExit = ap.Run());
        thread.Start();
        Assert.False(thread.Join(50));

        bsp.Write(ApicRegister.InterruptCommandHigh, 1u << 24);
        bsp.Write(ApicRegister.InterruptCommandLow, 0x0000_4500); // INIT, assert
        Assert.False(thread.Join(300)); // still waiting: INIT alone starts nothing
        bsp.Write(ApicRegister.InterruptCommandLow, 0x0000_4609); // start-up at 0x9000
        Assert.True(thread.Join(5000));

        Assert.Equal(VcpuExitReason.Intr, apExit);
        Assert.Equal(4UL, ap.GetRegisters().Rip);
        Assert.Equal(0x4321UL, ap.GetRegisters().Rax & 0xFFFF);
    }

    [Fact]
    public void Waiting_application_processor_leaves_run_when_asked()
    {
        using var h = CpuHarness.WithApic();
        var ap = (SoftVcpu)h.Vm.CreateVcpu(1);
        VcpuExitReason? apExit = null;
        var thread = new Thread(() => apExit = ap.Run());
        thread.Start();

        ap.RequestExit();

        Assert.True(thread.Join(5000));
        Assert.Equal(VcpuExitReason.Intr, apExit);
    }
}
