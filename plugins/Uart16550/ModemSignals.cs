namespace MiniVmm.Devices.Serial;

/// <summary>The modem-control side of the 16550: what MSR reads and which delta bits a change sets.</summary>
public static class ModemSignals
{
    /// <summary>Outside loopback: CTS, DSR and DCD asserted, the host side is always "connected" (as in QEMU).</summary>
    public const Msr External = Msr.ClearToSend | Msr.DataSetReady | Msr.DataCarrierDetect;

    /// <summary>Loopback wires the modem outputs to the inputs: RTS→CTS, DTR→DSR, OUT1→RI, OUT2→DCD.</summary>
    public static Msr LoopedBack(Mcr mcr)
    {
        Msr lines = Msr.None;
        if ((mcr & Mcr.RequestToSend) != 0) lines |= Msr.ClearToSend;
        if ((mcr & Mcr.DataTerminalReady) != 0) lines |= Msr.DataSetReady;
        if ((mcr & Mcr.Out1) != 0) lines |= Msr.RingIndicator;
        if ((mcr & Mcr.Out2) != 0) lines |= Msr.DataCarrierDetect;
        return lines;
    }

    /// <summary>The MSR delta bits a change of the input lines from <paramref name="before"/> to <paramref name="now"/> sets.</summary>
    public static Msr Deltas(Msr before, Msr now)
    {
        Msr changed = before ^ now;
        Msr deltas = Msr.None;
        if ((changed & Msr.ClearToSend) != 0) deltas |= Msr.DeltaClearToSend;
        if ((changed & Msr.DataSetReady) != 0) deltas |= Msr.DeltaDataSetReady;
        if ((changed & Msr.DataCarrierDetect) != 0) deltas |= Msr.DeltaDataCarrierDetect;
        // TERI: only the ring indicator's trailing edge (on -> off) counts.
        if ((before & Msr.RingIndicator) != 0 && (now & Msr.RingIndicator) == 0) deltas |= Msr.TrailingEdgeRingIndicator;
        return deltas;
    }
}
