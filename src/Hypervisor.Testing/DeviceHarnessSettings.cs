namespace Hypervisor.Testing;

/// <summary>How the harness wires a device: what a machine-file entry would say besides its options.</summary>
public sealed record DeviceHarnessSettings
{
    /// <summary>The entry's name (defaults to the device type).</summary>
    public string? Name { get; init; }

    /// <summary>The interrupt line number the device gets.</summary>
    public int Irq { get; init; } = 4;

    /// <summary>The base port the entry would give (only for messages and logs; accesses are offsets).</summary>
    public ushort? PortBase { get; init; }

    /// <summary>The base address the entry would give to an MMIO device.</summary>
    public ulong? MmioBase { get; init; }

    /// <summary>Guest RAM for DMA: where it starts and how big it is.</summary>
    public ulong MemoryBase { get; init; }

    public int MemorySize { get; init; } = 1 << 20;

    /// <summary>The folder relative option paths resolve against (the machine file's folder).</summary>
    public string BaseDirectory { get; init; } = Environment.CurrentDirectory;

    /// <summary>The shadow RAM switches the device may flip (a chipset's PAM registers); none by default.</summary>
    public Hypervisor.Abstractions.IMemoryMap MemoryMap { get; init; } = Hypervisor.Abstractions.NoMemoryMap.Instance;

    /// <summary>Reject options the device does not declare with [DeviceOption], as the core does.</summary>
    public bool RejectUndeclaredOptions { get; init; } = true;
}
