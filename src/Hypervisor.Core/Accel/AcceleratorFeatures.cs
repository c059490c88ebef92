using Hypervisor.Abstractions;

namespace Hypervisor.Core.Accel;

/// <summary>
/// What an accelerator can do beyond real and 32-bit protected mode. The VMM checks a machine's needs
/// against these before anything is built, so an unsupported machine fails with a machine-file error.
/// </summary>
[Flags]
public enum AcceleratorFeatures
{
    None = 0,

    /// <summary>64-bit long mode (the Linux boot protocol's 64-bit entry).</summary>
    LongMode = 1 << 0,

    /// <summary>An in-kernel interrupt controller and PIT (<see cref="VmOptions.KernelIrqchip"/>).</summary>
    KernelIrqchip = 1 << 1,

    /// <summary>A firmware image mapped as ROM, with the shadow RAM the chipset switches (<see cref="VmOptions.Firmware"/>).</summary>
    Firmware = 1 << 2,

    /// <summary>A local APIC per vCPU in user space, on the machine's APIC bus (<see cref="VmOptions.Apic"/>).</summary>
    Apic = 1 << 3,

    /// <summary>Besides long mode, 32-bit kernels start through Linux's 32-bit boot protocol (the software CPU).</summary>
    ProtectedModeKernels = 1 << 4,
}

/// <summary>What a machine asks of its VM besides RAM and vCPUs.</summary>
public sealed record VmOptions
{
    public static readonly VmOptions Default = new();

    /// <summary>
    /// The accelerator emulates the 8259 pair, IOAPIC, local APIC and 8254 itself (KVM_CREATE_IRQCHIP +
    /// KVM_CREATE_PIT2), as Firecracker and kvmtool do; device lines then go to <see cref="IVirtualMachine.SetIrqLine"/>.
    /// </summary>
    public bool KernelIrqchip { get; init; }

    /// <summary>The firmware ROM and shadow region the vCPUs see besides RAM (boot format "bios"), or null.</summary>
    public Memory.FirmwareMemory? Firmware { get; init; }

    /// <summary>
    /// The machine's clock. An accelerator that emulates the time-stamp counter (the software CPU)
    /// derives it from this, so the TSC, the PIT and the RTC agree, as on hardware; null means
    /// the accelerator keeps its own notion of time.
    /// </summary>
    public IClock? Clock { get; init; }

    /// <summary>
    /// The machine's APIC bus (<c>"apic": true</c>): the accelerator gives each vCPU a local APIC on it
    /// (APIC ID = vCPU id, vCPU 0 the bootstrap processor); null for a machine without APICs.
    /// </summary>
    public Apic.ApicBus? Apic { get; init; }
}
