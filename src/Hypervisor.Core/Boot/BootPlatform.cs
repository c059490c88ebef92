using Hypervisor.Abstractions;

namespace Hypervisor.Core.Boot;

/// <summary>
/// What a boot loader needs to know of the machine beyond its RAM: whether the vCPUs can enter
/// long mode (else a Linux kernel gets the 32-bit boot protocol), and the ACPI fixed hardware the
/// loader's ACPI tables describe (none: no tables).
/// </summary>
/// <param name="LongMode">The accelerator can start a vCPU in 64-bit mode.</param>
/// <param name="Acpi">The device with the ACPI PM registers (the <c>acpi-pm</c> plugin), or null.</param>
public sealed record BootPlatform(bool LongMode = true, IAcpiFixedHardware? Acpi = null)
{
    /// <summary>A long-mode machine also starts 32-bit kernels (the 32-bit boot protocol); else only 64-bit ones.</summary>
    public bool ProtectedModeKernels { get; init; }

    /// <summary>What devices add to a Linux kernel's command line (<see cref="IKernelCommandLine"/>, e.g. virtio-mmio devices), space-separated.</summary>
    public string KernelArguments { get; init; } = "";

    /// <summary>The machine's APICs (<c>"apic": true</c>), which the ACPI tables then describe in a MADT; null without.</summary>
    public ApicPlatform? Apic { get; init; }

    /// <summary>A long-mode-capable machine without ACPI hardware.</summary>
    public static readonly BootPlatform Default = new();
}
