using Hypervisor.Abstractions;

namespace Hypervisor.Core.Accel;

/// <summary>
/// A virtual machine that holds guest-visible state outside its vCPUs and the device plugins (KVM's
/// in-kernel PICs, IOAPIC, PIT and clock with <c>"irqchip": "kernel"</c>). A snapshot writes it
/// after the vCPUs when <see cref="HasState"/>; called only while every vCPU is parked.
/// </summary>
public interface IVmState
{
    /// <summary>Whether this VM holds any such state (the in-kernel irqchip exists).</summary>
    bool HasState { get; }

    /// <summary>The layout version of what <see cref="SaveState"/> writes.</summary>
    int StateVersion { get; }

    void SaveState(IStateWriter writer);

    /// <summary>Loads what a VM of <paramref name="version"/> saved; throws <see cref="StateFormatException"/> on a layout it cannot read.</summary>
    void LoadState(IStateReader reader, int version);
}
