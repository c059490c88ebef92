namespace Hypervisor.Abstractions;

/// <summary>
/// Which of a shadowable region's accesses go to its RAM; the others go to what lies beneath it
/// (the firmware ROM's alias, or nothing), as the i440FX PAM registers select (RE and WE bits).
/// </summary>
[Flags]
public enum ShadowAccess
{
    /// <summary>Reads and writes go to the ROM side (PAM 00): the firmware as it was loaded, writes dropped.</summary>
    None = 0,

    /// <summary>Reads come from RAM (RE).</summary>
    ReadRam = 1,

    /// <summary>Writes go to RAM (WE).</summary>
    WriteRam = 2,

    /// <summary>RAM for both: the shadow copy is live and writable (PAM 11).</summary>
    ReadWriteRam = ReadRam | WriteRam,
}

/// <summary>
/// The machine's memory map as a chipset changes it while the guest runs: the shadow RAM below
/// 1 MiB (0xC0000-0xFFFFF) that firmware copies itself into and then write-protects. Called on
/// the vCPU thread whose configuration write changed it; the CPU sees the change from its next
/// instruction.
/// </summary>
public interface IMemoryMap
{
    /// <summary>
    /// Routes the CPU's reads and writes of [<paramref name="address"/>, address + length) to RAM or
    /// to the ROM side as <paramref name="access"/> says. Both ends must be 4 KiB aligned; addresses
    /// outside the shadowable region are refused with <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    void SetShadow(ulong address, ulong length, ShadowAccess access);
}

/// <summary>The map of a machine without a firmware image: there is no ROM to shadow, so changes do nothing.</summary>
public sealed class NoMemoryMap : IMemoryMap
{
    public static readonly NoMemoryMap Instance = new();

    public void SetShadow(ulong address, ulong length, ShadowAccess access)
    {
    }
}
