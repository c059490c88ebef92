namespace MiniVmm.Devices.Rtc;

/// <summary>
/// The conventional CMOS memory-size fields a BIOS and boot loaders read, filled from the machine's
/// RAM size the way QEMU's pc_cmos_init does, with the AT checksum over 0x10-0x2d.
/// </summary>
public static class CmosMemoryLayout
{
    private const ulong KiB = 1024;
    private const ulong MiB = 1024 * KiB;
    private const ulong BaseMemoryLimit = 640 * KiB;

    public static byte[] For(ulong memoryBytes)
    {
        var cmos = new byte[RtcRegister.Count];
        ulong baseKiB = Math.Min(memoryBytes, BaseMemoryLimit) / KiB;
        ulong extendedKiB = memoryBytes > MiB ? Math.Min((memoryBytes - MiB) / KiB, 0xffff) : 0;
        ulong above16MiB = memoryBytes > 16 * MiB ? Math.Min((memoryBytes - 16 * MiB) / (64 * KiB), 0xffff) : 0;
        Put(cmos, CmosField.BaseMemoryLow, baseKiB);
        Put(cmos, CmosField.ExtendedMemoryLow, extendedKiB);
        Put(cmos, CmosField.ExtendedMemoryPostLow, extendedKiB);
        Put(cmos, CmosField.MemoryAbove16MiBLow, above16MiB);
        int sum = 0;
        for (int i = CmosField.ChecksumFirst; i <= CmosField.ChecksumLast; i++)
            sum += cmos[i];
        cmos[CmosField.ChecksumHigh] = (byte)(sum >> 8);
        cmos[CmosField.ChecksumLow] = (byte)sum;
        return cmos;
    }

    private static void Put(byte[] cmos, int lowField, ulong value)
    {
        cmos[lowField] = (byte)value;
        cmos[lowField + 1] = (byte)(value >> 8);
    }
}
