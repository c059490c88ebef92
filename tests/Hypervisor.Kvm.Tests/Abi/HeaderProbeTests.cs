namespace Hypervisor.Kvm.Tests.Abi;

public class HeaderProbeTests
{
    [HeaderProbeFact]
    public void Every_declared_struct_field_and_constant_matches_the_system_headers()
    {
        var facts = AbiDeclarations.All();
        var actual = HeaderProbe.Run(facts, Path.Combine(AppContext.BaseDirectory, "probe"));

        var mismatches = new List<string>();
        foreach (var fact in facts)
        {
            if (!actual.TryGetValue(fact.Key, out ulong c))
                mismatches.Add($"{fact.Key}: the probe printed nothing");
            else if (fact.AtMost ? fact.Expected > c : fact.Expected != c)
                mismatches.Add($"{fact.Key}: C# says {fact.Expected}, <linux/kvm.h> says {c}");
        }
        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches));
    }

    [Fact]
    public void The_walk_covers_every_declared_struct_and_constant_class()
    {
        var keys = AbiDeclarations.All().Select(f => f.Key).ToHashSet();
        string[] required =
        [
            "sizeof kvm_regs", "offsetof kvm_regs.rflags",
            "sizeof kvm_sregs", "offsetof kvm_sregs.interrupt_bitmap", "offsetof kvm_sregs.cs.unusable",
            "sizeof kvm_segment", "sizeof kvm_dtable", "sizeof kvm_userspace_memory_region",
            "offsetof kvm_run.immediate_exit", "offsetof kvm_run.exit_reason", "offsetof kvm_run.io.data_offset",
            "offsetof kvm_run.io.count", "offsetof kvm_run.mmio.data", "offsetof kvm_run.mmio.is_write",
            "offsetof kvm_run.fail_entry.hardware_entry_failure_reason", "offsetof kvm_run.internal.suberror",
            "offsetof kvm_run.internal.ndata", "offsetof kvm_run.internal.data", "offsetof kvm_run.hw.hardware_exit_reason",
            "offsetof kvm_run.request_interrupt_window", "offsetof kvm_run.ready_for_interrupt_injection",
            "offsetof kvm_run.if_flag", "offsetof kvm_run.debug.arch.dr6",
            "sizeof kvm_cpuid2", "offsetof kvm_cpuid2.entries", "sizeof kvm_cpuid_entry2",
            "sizeof kvm_irq_level", "sizeof kvm_interrupt", "sizeof kvm_pit_config", "sizeof sigaction", "offsetof sigaction.sa_flags",
            "value KVM_GET_API_VERSION", "value KVM_CREATE_VM", "value KVM_GET_VCPU_MMAP_SIZE",
            "value KVM_SET_USER_MEMORY_REGION", "value KVM_CREATE_VCPU", "value KVM_RUN", "value KVM_GET_REGS",
            "value KVM_SET_REGS", "value KVM_GET_SREGS", "value KVM_SET_SREGS", "value KVM_GET_SUPPORTED_CPUID",
            "value KVM_SET_CPUID2", "value KVM_CREATE_IRQCHIP", "value KVM_IRQ_LINE", "value KVM_INTERRUPT", "value KVM_CREATE_PIT2",
            "value KVM_SET_TSS_ADDR", "value KVM_SET_IDENTITY_MAP_ADDR", "value KVM_CHECK_EXTENSION",
            "value KVM_EXIT_IO", "value KVM_EXIT_INTERNAL_ERROR", "value KVM_CAP_IMMEDIATE_EXIT", "value KVM_API_VERSION",
            "value SIGUSR2", "value EINTR", "value O_RDWR", "value MAP_SHARED",
            "sizeof kvm_ioeventfd", "offsetof kvm_ioeventfd.flags", "sizeof kvm_irqfd", "offsetof kvm_irqfd.resamplefd",
            "value KVM_IOEVENTFD", "value KVM_IRQFD", "value KVM_CAP_IOEVENTFD", "value KVM_CAP_IRQFD",
            "value KVM_IOEVENTFD_FLAG_DATAMATCH", "value KVM_IOEVENTFD_FLAG_DEASSIGN", "value KVM_IRQFD_FLAG_RESAMPLE", "value EFD_CLOEXEC",
            "value KVM_CAP_IRQFD_RESAMPLE", "value KVM_IRQFD_FLAG_DEASSIGN",
        ];
        Assert.All(required, key => Assert.Contains(key, keys));
    }

    [Theory]
    [InlineData("HardwareEntryFailureReason", "hardware_entry_failure_reason")]
    [InlineData("R8", "r8")]
    [InlineData("Padding1", "padding1")]
    [InlineData("IfFlag", "if_flag")]
    public void Field_names_map_to_c_by_convention(string csharp, string c) =>
        Assert.Equal(c, AbiDeclarations.ToSnake(csharp));

    [Fact]
    public void Generated_probe_prints_one_line_per_fact()
    {
        var facts = AbiDeclarations.All();
        string source = HeaderProbe.GenerateSource(facts);
        Assert.Equal(facts.Count, source.Split('\n').Count(l => l.TrimStart().StartsWith("printf(", StringComparison.Ordinal)));
    }
}
