using Hypervisor.Abstractions;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>The acpi-pm device's register layout at <paramref name="Base"/>, as the boot code sees it, without the device.</summary>
internal sealed record AcpiPmBlock(ushort Base, int SciInterrupt) : IAcpiFixedHardware
{
    public ushort Pm1aEventBlock => Base;
    public ushort Pm1aControlBlock => (ushort)(Base + 4);
    public ushort PmTimerBlock => (ushort)(Base + 8);
    public int SoftOffSleepType => 0;
}
