namespace Hypervisor.Abstractions;

/// <summary>
/// A device that takes the machine's interrupt lines beside the interrupt controller (an I/O APIC wired
/// to the same lines as the 8259s). The machine attaches every such device to every line.
/// </summary>
public interface IInterruptLineSink : IDevice
{
    /// <summary>Sets the level of input line <paramref name="line"/> (the IRQ number a device's entry names).</summary>
    void SetInput(int line, bool level);
}
