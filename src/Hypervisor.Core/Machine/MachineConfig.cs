using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Machine;

/// <summary>Which accelerator runs the guest.</summary>
public enum AcceleratorKind
{
    /// <summary>KVM when /dev/kvm opens, else the software CPU.</summary>
    Auto,
    /// <summary>The software x86 CPU.</summary>
    Soft,
    /// <summary>The Linux KVM API.</summary>
    Kvm,
}

/// <summary>How guest-visible time advances.</summary>
public enum ClockMode
{
    /// <summary>Follows the host's monotonic clock.</summary>
    Host,
    /// <summary>Advances with executed instructions (reproducible runs).</summary>
    Deterministic,
}

/// <summary>Who emulates the interrupt controllers and the PIT.</summary>
public enum IrqchipMode
{
    /// <summary>Device plugins (i8259, i8254) declared in the machine file; works on every accelerator.</summary>
    Devices,
    /// <summary>The accelerator's own (KVM_CREATE_IRQCHIP + KVM_CREATE_PIT2), as Firecracker and kvmtool; KVM only.</summary>
    Kernel,
}

/// <summary>A validated machine file. Paths are absolute.</summary>
public sealed record MachineConfig
{
    public required string Name { get; init; }
    /// <summary>The machine file itself.</summary>
    public required string FilePath { get; init; }
    /// <summary>The folder relative paths resolve against.</summary>
    public string Directory => Path.GetDirectoryName(FilePath)!;
    public AcceleratorKind Accelerator { get; init; } = AcceleratorKind.Auto;
    public int Vcpus { get; init; } = 1;
    public required IReadOnlyList<MemoryRangeConfig> Memory { get; init; }
    public required BootConfig Boot { get; init; }
    public required IReadOnlyList<DeviceConfig> Devices { get; init; }
    public RunLimits Limits { get; init; } = new();
    public ClockMode Clock { get; init; } = ClockMode.Host;
    public IrqchipMode Irqchip { get; init; } = IrqchipMode.Devices;
    /// <summary>A local APIC per vCPU on an APIC bus the I/O APIC plugin can reach (<c>"apic": true</c>; software CPU).</summary>
    public bool Apic { get; init; }
    /// <summary>What a machine reset (triple fault, i8042 0xFE, port 0xcf9) does.</summary>
    public Runtime.ResetPolicy OnReset { get; init; } = Runtime.ResetPolicy.Exit;
    /// <summary>Serilog minimum level name from the file ("debug", "information" …), or null.</summary>
    public string? LogLevel { get; init; }
    /// <summary>Extra plugin folders named by the file.</summary>
    public IReadOnlyList<string> PluginDirectories { get; init; } = [];
}

/// <summary>One RAM slot.</summary>
public sealed record MemoryRangeConfig(ulong Base, ulong Size);

/// <summary>How the guest starts: a flat image with explicit register state, or a Multiboot kernel.</summary>
public sealed record BootConfig
{
    /// <summary>"flat", "multiboot" or "linux".</summary>
    public required string Format { get; init; }
    /// <summary>Flat: the image file.</summary>
    public string? Image { get; init; }
    /// <summary>Flat: the guest physical address the image is copied to.</summary>
    public ulong LoadAddress { get; init; }
    /// <summary>Flat: register values by name (cs, ds, es, fs, gs, ss, rip, rsp, rflags, rax …).</summary>
    public IReadOnlyDictionary<string, ulong> Entry { get; init; } = new Dictionary<string, ulong>();
    /// <summary>Multiboot: the ELF kernel. Linux: the bzImage.</summary>
    public string? Kernel { get; init; }
    /// <summary>Multiboot and Linux: the kernel command line.</summary>
    public string CommandLine { get; init; } = "";
    /// <summary>Linux: the initial RAM disk (cpio archive, compressed or not), or null.</summary>
    public string? Initrd { get; init; }
}

/// <summary>One entry of <c>"devices"</c>.</summary>
public sealed record DeviceConfig
{
    /// <summary>The entry's JSON path, e.g. <c>devices[2]</c>, for messages.</summary>
    public required string JsonPath { get; init; }
    public required string Type { get; init; }
    public required string Name { get; init; }
    /// <summary>The entry's <c>"ports"</c>, or null for the type's default.</summary>
    public ushort? Ports { get; init; }
    /// <summary>The entry's <c>"mmio"</c>, or null for the type's default.</summary>
    public ulong? Mmio { get; init; }
    /// <summary>The entry's <c>"irq"</c>, or null for the type's default.</summary>
    public int? Irq { get; init; }
    /// <summary>The entry's <c>"windows"</c>: bases that move the type's further windows, by window name.</summary>
    public IReadOnlyDictionary<string, ulong> Windows { get; init; } = new Dictionary<string, ulong>();
    public required IConfigurationSection Options { get; init; }
}

/// <summary>When to stop a guest that does not stop by itself.</summary>
public sealed record RunLimits
{
    /// <summary>Instructions per vCPU (software CPU only).</summary>
    public ulong? Instructions { get; init; }
    /// <summary>Wall-clock time.</summary>
    public TimeSpan? Time { get; init; }
}
