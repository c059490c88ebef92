namespace MiniVmm.Devices.Ide;

/// <summary>
/// The cylinder/head/sector view of a disk: the default one IDENTIFY reports (16 heads, 63 sectors
/// per track, at most 16,383 cylinders, as QEMU and every BIOS since EIDE assume) or the one
/// INITIALIZE DEVICE PARAMETERS sets.
/// </summary>
public readonly record struct DiskGeometry(int Cylinders, int Heads, int SectorsPerTrack)
{
    public const int MaxCylinders = 16383;

    /// <summary>The default geometry of a disk of <paramref name="sectors"/> sectors.</summary>
    public static DiskGeometry For(long sectors)
        => new((int)Math.Clamp(sectors / (16 * 63), 1, MaxCylinders), 16, 63);

    /// <summary>The geometry INITIALIZE DEVICE PARAMETERS asks for, keeping the disk's addressable size.</summary>
    public static DiskGeometry Translated(long sectors, int heads, int sectorsPerTrack)
        => new((int)Math.Clamp(sectors / (heads * sectorsPerTrack), 1, 65535), heads, sectorsPerTrack);

    public long Capacity => (long)Cylinders * Heads * SectorsPerTrack;

    /// <summary>The LBA of a CHS address (sector counts from 1), or -1 when the address is outside the geometry.</summary>
    public long ToLba(int cylinder, int head, int sector)
    {
        if (sector < 1 || sector > SectorsPerTrack || head >= Heads || cylinder >= Cylinders)
            return -1;
        return ((long)cylinder * Heads + head) * SectorsPerTrack + sector - 1;
    }
}
