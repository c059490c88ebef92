namespace Hypervisor.Abstractions;

/// <summary>
/// One interrupt request line from a device to the machine's interrupt controller (or, with
/// KVM's in-kernel irqchip, to KVM_IRQ_LINE). Level semantics: the device holds it raised while it
/// wants service.
/// </summary>
public interface IInterruptLine
{
    /// <summary>The line number in the machine file (e.g. 4 for COM1), or -1 when not connected.</summary>
    int Number { get; }

    /// <summary>Drives the line to <paramref name="level"/>; cheap when the level does not change.</summary>
    void Set(bool level);

    void Raise() => Set(true);

    void Lower() => Set(false);
}

/// <summary>A line wired to nothing: used when a device entry names no <c>"irq"</c>.</summary>
public sealed class DisconnectedInterruptLine : IInterruptLine
{
    public static readonly DisconnectedInterruptLine Instance = new();

    public int Number => -1;

    public bool Level { get; private set; }

    public void Set(bool level) => Level = level;
}
