namespace Hypervisor.Testing;

/// <summary>How the harness wires a device: what a machine-file entry would say besides its options.</summary>
public sealed record DeviceHarnessSettings
{
    /// <summary>The entry's name (defaults to the device type).</summary>
    public string? Name { get; init; }

    /// <summary>The interrupt line number the device gets (null: its type's default line, or -1 when it has none).</summary>
    public int? Irq { get; init; }

    /// <summary>The entry's <c>"ports"</c>: where the harness places the device's port range (null: its type's default).</summary>
    public ushort? PortBase { get; init; }

    /// <summary>The entry's <c>"mmio"</c>: where the harness places the device's MMIO range (null: its type's default).</summary>
    public ulong? MmioBase { get; init; }

    /// <summary>The entry's <c>"windows"</c>: bases that move the device's further windows.</summary>
    public IReadOnlyDictionary<string, ulong> Windows { get; init; } = new Dictionary<string, ulong>();

    /// <summary>Guest RAM for DMA: where it starts and how big it is.</summary>
    public ulong MemoryBase { get; init; }

    public int MemorySize { get; init; } = 1 << 20;

    /// <summary>The folder relative option paths resolve against (the machine file's folder).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The shadow RAM switches the device may flip (a chipset's PAM registers); none by default.</summary>
    public Hypervisor.Abstractions.IMemoryMap MemoryMap { get; init; } = Hypervisor.Abstractions.NoMemoryMap.Instance;

    /// <summary>The machine's APIC bus the device gets (<c>"apic": true</c>); null, as on a machine without APICs, by default.</summary>
    public RecordingApicBus? Apic { get; init; }

    /// <summary>Reject options the device does not declare with [DeviceOption], as the core does.</summary>
    public bool RejectUndeclaredOptions { get; init; } = true;
}
