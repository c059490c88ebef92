namespace Hypervisor.Abstractions;

/// <summary>
/// A device that collects interrupt lines and presents one INTR line to the vCPU (an i8259 pair).
/// The machine routes every device's <c>"irq"</c> line to the controller's inputs; the software
/// vCPU polls <see cref="HasPendingInterrupt"/> and calls <see cref="Acknowledge"/> for the vector.
/// </summary>
public interface IInterruptController : IDevice
{
    /// <summary>Sets the level of input line <paramref name="line"/> (IRQ number).</summary>
    void SetInput(int line, bool level);

    /// <summary>True while the controller asserts INTR to the CPU.</summary>
    bool HasPendingInterrupt { get; }

    /// <summary>The CPU's interrupt acknowledge cycle: returns the vector and updates ISR/IRR.</summary>
    byte Acknowledge();
}
