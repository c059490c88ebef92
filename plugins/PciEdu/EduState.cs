namespace MiniVmm.Devices.Edu;

/// <summary>The edu device's registers (power-on: all zero) and its 4 KiB DMA buffer.</summary>
public sealed class EduState
{
    public uint Liveness;
    public uint Factorial;
    public uint Status;
    public uint InterruptStatus;
    public ulong DmaSource;
    public ulong DmaDestination;
    public ulong DmaCount;
    public ulong DmaCommand;
    public readonly byte[] DmaBuffer = new byte[EduRegisters.DmaBufferSize];

    public void Clear()
    {
        Liveness = Factorial = Status = InterruptStatus = 0;
        DmaSource = DmaDestination = DmaCount = DmaCommand = 0;
        Array.Clear(DmaBuffer);
    }
}
