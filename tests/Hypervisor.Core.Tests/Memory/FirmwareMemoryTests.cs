using Hypervisor.Abstractions;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Tests.Memory;

/// <summary>The firmware ROM below 4 GiB, its alias below 1 MiB and the shadow RAM the PAM registers switch.</summary>
public unsafe class FirmwareMemoryTests
{
    private const ulong Page = 4096;

    private static byte[] Image(int size)
    {
        var image = new byte[size];
        for (int i = 0; i < size; i += (int)Page)
            image[i] = (byte)(i / (int)Page); // each page starts with its number
        return image;
    }

    [Fact]
    public void The_image_ends_at_4_GiB_and_its_last_128_KiB_appear_at_0xE0000()
    {
        using var ram = new GuestMemory([(0, 0x100000)]);
        using var firmware = FirmwareMemory.Create(Image(256 * 1024), ram, "bios.bin");

        Assert.Equal(0xFFFC0000UL, firmware.Base);
        Assert.Equal(0xE0000UL, firmware.AliasStart);
        Assert.Equal(0, firmware.ReadHost(0xFFFC0000 / Page)[0]);
        Assert.Equal(63, firmware.ReadHost(0xFFFFF000 / Page)[0]);
        Assert.Equal(32, firmware.ReadHost(0xE0000 / Page)[0]);  // image offset 128 KiB
        Assert.Equal(63, firmware.ReadHost(0xFF000 / Page)[0]);
        Assert.True(firmware.ReadHost(0xC0000 / Page) == null); // below the alias: nothing (PCI)
        Assert.True(firmware.WriteHost(0xFFFFF000 / Page) == null);
        Assert.True(firmware.WriteHost(0xF0000 / Page) == null);
    }

    [Fact]
    public void A_64_KiB_image_is_aliased_at_0xF0000_only()
    {
        using var ram = new GuestMemory([(0, 0x100000)]);
        using var firmware = FirmwareMemory.Create(Image(64 * 1024), ram, "small.bin");

        Assert.Equal(0xF0000UL, firmware.AliasStart);
        Assert.True(firmware.ReadHost(0xE0000 / Page) == null);
        Assert.Equal(0, firmware.ReadHost(0xF0000 / Page)[0]);
    }

    [Fact]
    public void Shadow_settings_route_reads_and_writes_separately_and_announce_the_change()
    {
        using var ram = new GuestMemory([(0, 0x100000)]);
        using var firmware = FirmwareMemory.Create(Image(128 * 1024), ram, "bios.bin");
        var changes = new List<(ulong, ulong)>();
        firmware.Changed += (a, l) => changes.Add((a, l));
        byte* ramF0000 = ram.TryGetHostPointer(0xF0000, Page);
        byte* romF0000 = firmware.ReadHost(0xF0000 / Page);

        firmware.SetShadow(0xF0000, 0x10000, ShadowAccess.WriteRam);
        Assert.True(firmware.ReadHost(0xF0000 / Page) == romF0000);
        Assert.True(firmware.WriteHost(0xF0000 / Page) == ramF0000);

        firmware.SetShadow(0xF0000, 0x10000, ShadowAccess.ReadRam);
        Assert.True(firmware.ReadHost(0xF0000 / Page) == ramF0000);
        Assert.True(firmware.WriteHost(0xF0000 / Page) == null);

        firmware.SetShadow(0xF0000, 0x10000, ShadowAccess.ReadRam); // no change, no event
        Assert.Equal([(0xF0000UL, 0x10000UL), (0xF0000UL, 0x10000UL)], changes);
        Assert.Equal(ShadowAccess.None, firmware.ShadowOf(0xE0000));
    }

    [Fact]
    public void Shadow_ranges_outside_0xC0000_to_1_MiB_are_refused()
    {
        using var ram = new GuestMemory([(0, 0x100000)]);
        using var firmware = FirmwareMemory.Create(Image(128 * 1024), ram, "bios.bin");

        Assert.Throws<ArgumentOutOfRangeException>(() => firmware.SetShadow(0xB0000, 0x10000, ShadowAccess.ReadWriteRam));
        Assert.Throws<ArgumentOutOfRangeException>(() => firmware.SetShadow(0xF8000, 0x10000, ShadowAccess.ReadWriteRam));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(96 * 1024)]
    [InlineData(32 * 1024 * 1024)]
    public void Sizes_a_pc_cannot_map_are_named(int size)
    {
        Assert.Contains("multiple of 64 KiB", FirmwareMemory.SizeProblem((ulong)size));
    }

    [Fact]
    public void Ram_where_the_rom_goes_is_refused()
    {
        using var ram = new GuestMemory([(0xFFFF0000, 0x10000)]);
        var error = Assert.Throws<ArgumentException>(() => FirmwareMemory.Create(Image(64 * 1024), ram, "bios.bin"));
        Assert.Contains("overlaps RAM", error.Message);
    }
}

/// <summary>A crash in firmware code shows the instruction, read as the CPU fetched it.</summary>
public class FirmwareCrashReportTests
{
    [Fact]
    public void The_instruction_at_the_reset_vector_is_disassembled_from_the_rom()
    {
        var image = new byte[64 * 1024];
        image[0xFFF0] = 0xEA; // jmp far f000:e05b
        image[0xFFF1] = 0x5B;
        image[0xFFF2] = 0xE0;
        image[0xFFF3] = 0x00;
        image[0xFFF4] = 0xF0;
        using var ram = new GuestMemory([(0, 0x100000)]);
        using var firmware = FirmwareMemory.Create(image, ram, "bios.bin");
        var state = Hypervisor.Core.Boot.ResetVectorEntry.State();

        string line = Hypervisor.Core.Runtime.GuestCrashReport.DisassembleAt(state.SpecialRegisters, state.Registers, ram, firmware);

        Assert.Contains("physical 0xfffffff0", line);
        Assert.Contains("ea5be000f0", line);
        Assert.Contains("jmp 0F000h:0E05Bh", line);
        Assert.True(firmware.TryReadByte(0xFFFF0, out byte alias)); // the alias below 1 MiB
        Assert.Equal(0xEA, alias);
        Assert.False(firmware.TryReadByte(0x1000, out _));          // plain RAM is not the map's
    }
}
