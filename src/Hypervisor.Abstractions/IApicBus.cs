namespace Hypervisor.Abstractions;

/// <summary>
/// The machine's APIC bus, present when the machine file sets <c>"apic": true</c>: an I/O APIC (or
/// an MSI-capable device) sends interrupt messages to the local APICs of the vCPUs, and hears the
/// end-of-interrupt broadcasts of level-triggered vectors.
/// </summary>
public interface IApicBus
{
    /// <summary>Delivers <paramref name="message"/> to the local APICs it addresses. Thread-safe.</summary>
    void Send(in ApicMessage message);

    /// <summary>
    /// Raised when a local APIC's EOI ends a level-triggered interrupt, with its vector (the I/O APIC
    /// clears the remote IRR of the entries with that vector). Raised on the vCPU's thread.
    /// </summary>
    event Action<byte>? EndOfInterrupt;
}
