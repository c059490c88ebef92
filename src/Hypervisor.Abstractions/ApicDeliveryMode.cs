namespace Hypervisor.Abstractions;

/// <summary>
/// The delivery mode of an APIC interrupt message (SDM Vol. 3, 11.6.1): bits 8-10 of the ICR and of
/// an I/O APIC redirection entry.
/// </summary>
public enum ApicDeliveryMode : byte
{
    /// <summary>The vector goes to every destination's IRR.</summary>
    Fixed = 0,

    /// <summary>The vector goes to the destination running at the lowest priority.</summary>
    LowestPriority = 1,

    /// <summary>System management interrupt (not implemented by MiniVmm's CPUs; dropped).</summary>
    Smi = 2,

    /// <summary>A non-maskable interrupt; the vector is ignored.</summary>
    Nmi = 4,

    /// <summary>INIT: the destination resets and waits for a start-up IPI.</summary>
    Init = 5,

    /// <summary>Start-up IPI: a CPU waiting after INIT starts in real mode at vector × 0x1000.</summary>
    StartUp = 6,

    /// <summary>The vector comes from an external 8259 (its acknowledge cycle).</summary>
    ExtInt = 7,
}
