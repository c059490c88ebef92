namespace Hypervisor.X86.Apic;

/// <summary>What a local APIC asks of its CPU: the pins it drives besides INTR. Each is thread-safe.</summary>
internal interface IApicCpu
{
    /// <summary>INTR may have risen: a halted or translated CPU looks again soon.</summary>
    void InterruptPending();

    void RaiseNmi();

    /// <summary>An INIT IPI: the CPU resets (all but the APIC base) and, if it is an AP, waits for a start-up IPI.</summary>
    void ReceiveInit();

    /// <summary>A start-up IPI: a CPU waiting after INIT starts in real mode at CS = vector × 0x100, IP = 0.</summary>
    void ReceiveStartup(byte vector);
}
