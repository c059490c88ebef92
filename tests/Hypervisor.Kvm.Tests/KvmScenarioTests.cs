using Hypervisor.Kvm.Tests.Scenarios;

namespace Hypervisor.Kvm.Tests;

/// <summary>The seed guests and the accelerator's exits, run for real through /dev/kvm where it exists.</summary>
public sealed class KvmScenarioTests : IDisposable
{
    private readonly KvmAccelerator? _kvm = KvmAvailability.Reason == null ? KvmAccelerator.Open() : null;

    private KvmAccelerator Kvm => _kvm ?? throw new InvalidOperationException("KVM facts run only where KVM opens");

    [KvmFact]
    public void Seed_hello_guest_prints_4_and_a_newline_then_halts() => KvmScenarios.Hello(Kvm);

    [KvmFact]
    public void Seed_counter_guest_writes_0_1_2_to_port_0x10() => KvmScenarios.Counter(Kvm, 5000);

    [KvmFact]
    public void Counter_guest_is_stopped_by_RequestExit_from_a_timer() =>
        Assert.True(KvmScenarios.CounterExitsPerSecond(Kvm, TimeSpan.FromMilliseconds(200)) > 0);

    /// <summary>kvm_pvm (this project's hosts: a software KVM) has no debug exits; the nested test bed runs it on real KVM.</summary>
    [KvmFact(NeedsDebugExits = true)]
    public void Guest_debug_stops_after_a_single_step_at_a_hardware_breakpoint_and_at_a_watchpoint() => KvmScenarios.GuestDebugStops(Kvm);

    [KvmFact]
    public void RequestExit_kicks_a_guest_that_never_exits() => KvmScenarios.RequestExitKicksSpinningGuest(Kvm);

    [KvmFact]
    public void RequestExit_before_Run_returns_Intr_without_losing_guest_state() => KvmScenarios.RequestExitBeforeRun(Kvm);

    [KvmFact]
    public void Mmio_read_is_completed_with_the_data_the_vmm_writes() => KvmScenarios.MmioReadAndWrite(Kvm);

    [KvmFact]
    public void String_io_exits_once_with_count_and_data() => KvmScenarios.StringIo(Kvm);

    [KvmFact]
    public void Multiboot_entry_state_runs_flat_32_bit_code() => KvmScenarios.ProtectedMode(Kvm);

    [KvmFact]
    public void Long_mode_entry_state_runs_64_bit_code_with_paging() => KvmScenarios.LongMode(Kvm);

    [KvmFact]
    public void Irq_line_reaches_the_guest_through_the_in_kernel_pic() => KvmScenarios.IrqchipInterrupt(Kvm);

    [KvmFact]
    public void Irqfd_raises_the_line_and_raises_it_again_at_the_eoi_while_the_level_is_high() => KvmScenarios.IrqfdResampledInterrupt(Kvm);

    [Fact]
    public void Scenario_list_names_each_scenario_once() =>
        Assert.Equal(KvmScenarios.All.Count, KvmScenarios.All.Select(s => s.Name).Distinct().Count());

    public void Dispose() => _kvm?.Dispose();
}
