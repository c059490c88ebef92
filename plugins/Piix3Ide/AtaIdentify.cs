using System.Text;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// The 256 words IDENTIFY DEVICE returns for a disk: a fixed ATA-6 disk with LBA28 and LBA48,
/// PIO modes 0-4 (no DMA: the function has no bus-master BAR), READ/WRITE MULTIPLE up to
/// <see cref="MaxMultiple"/> sectors, FLUSH CACHE, and the default and current CHS geometry.
/// </summary>
public static class AtaIdentify
{
    /// <summary>The largest block READ/WRITE MULTIPLE may use.</summary>
    public const int MaxMultiple = 16;

    public static byte[] Build(AtaDisk disk, DiskGeometry current, int multiple)
    {
        var words = new ushort[256];
        long sectors = disk.Image.Sectors;
        var fixedGeometry = DiskGeometry.For(sectors);
        words[0] = 0x0040; // fixed disk
        words[1] = (ushort)fixedGeometry.Cylinders;
        words[3] = (ushort)fixedGeometry.Heads;
        words[6] = (ushort)fixedGeometry.SectorsPerTrack;
        PutString(words, 10, 20, disk.Serial);
        PutString(words, 23, 8, disk.FirmwareRevision);
        PutString(words, 27, 40, disk.Model);
        words[47] = 0x8000 | MaxMultiple;
        words[49] = 1 << 9; // LBA
        words[50] = 0x4000;
        words[51] = 0x0200; // PIO timing mode 2
        words[53] = 0x0003; // words 54-58 and 64-70 are valid
        words[54] = (ushort)current.Cylinders;
        words[55] = (ushort)current.Heads;
        words[56] = (ushort)current.SectorsPerTrack;
        long currentCapacity = Math.Min(current.Capacity, uint.MaxValue);
        words[57] = (ushort)currentCapacity;
        words[58] = (ushort)(currentCapacity >> 16);
        words[59] = (ushort)(multiple > 0 ? 0x0100 | multiple : 0);
        long lba28 = Math.Min(sectors, 0x0fff_ffff);
        words[60] = (ushort)lba28;
        words[61] = (ushort)(lba28 >> 16);
        words[64] = 0x0003; // PIO modes 3 and 4
        words[65] = words[66] = words[67] = words[68] = 120; // cycle times, ns
        words[80] = 0x007e; // ATA-1 to ATA-6
        words[82] = 0x4000 | 1 << 5; // write cache
        words[83] = 0x4000 | 1 << 13 | 1 << 12 | 1 << 10; // FLUSH CACHE EXT, FLUSH CACHE, LBA48
        words[84] = 0x4000;
        words[85] = words[82];
        words[86] = (ushort)(words[83] & ~0x4000);
        words[87] = 0x4000;
        for (int i = 0; i < 4; i++)
            words[100 + i] = (ushort)(sectors >> (16 * i));
        var bytes = new byte[512];
        for (int i = 0; i < words.Length; i++)
        {
            bytes[2 * i] = (byte)words[i];
            bytes[2 * i + 1] = (byte)(words[i] >> 8);
        }
        return bytes;
    }

    // ATA strings are space-padded ASCII with the two bytes of each word swapped.
    private static void PutString(ushort[] words, int first, int length, string text)
    {
        byte[] chars = Encoding.ASCII.GetBytes(text.PadRight(length)[..length]);
        for (int i = 0; i < length / 2; i++)
            words[first + i] = (ushort)(chars[2 * i] << 8 | chars[2 * i + 1]);
    }
}
