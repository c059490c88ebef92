using System.Buffers.Binary;
using System.Text;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>Where <see cref="LinuxBzImage.Load"/> puts things in guest RAM; the defaults are kvmtool's and linux-loader's.</summary>
/// <param name="BootParamsAddress">The zero page (struct boot_params), passed in RSI.</param>
/// <param name="CommandLineAddress">The NUL-terminated kernel command line.</param>
/// <param name="KernelAddress">Where the protected-mode kernel goes (HIMEM_START); the kernel relocates itself from there.</param>
public sealed record LinuxBootLayout(
    ulong BootParamsAddress = 0x7000,
    ulong CommandLineAddress = 0x20000,
    ulong KernelAddress = 0x100000)
{
    public static readonly LinuxBootLayout Default = new();
}

/// <summary>
/// The Linux x86 boot protocol (Documentation/arch/x86/boot.rst): loads a bzImage's protected-mode
/// kernel, an optional initrd and the command line, fills the zero page (setup header copy, loader
/// type, E820 map from the RAM slots, the ACPI tables' RSDP when the machine has ACPI hardware) and
/// returns the entry state with RSI at the zero page. On a long-mode machine that is the "64-bit Boot
/// Protocol" (<see cref="EntryStates.LongMode"/>, RIP at load address + 0x200); otherwise the "32-bit
/// Boot Protocol": flat protected mode with __BOOT_CS 0x10 and __BOOT_DS 0x18, EIP at code32_start.
/// </summary>
public static class LinuxBzImage
{
    // Offsets in the bzImage's setup header and in struct boot_params (boot.rst, "The real-mode kernel header").
    private const int SetupSectorsOffset = 0x1f1;
    private const int HeaderMagicOffset = 0x202;
    private const uint HeaderMagic = 0x53726448; // "HdrS"
    private const int ProtocolVersionOffset = 0x206;
    private const int TypeOfLoaderOffset = 0x210;
    private const int LoadFlagsOffset = 0x211;
    private const int RamdiskImageOffset = 0x218;
    private const int RamdiskSizeOffset = 0x21c;
    private const int CommandLinePointerOffset = 0x228;
    private const int InitrdAddressMaxOffset = 0x22c;
    private const int CommandLineSizeOffset = 0x238;
    private const int ExtendedLoadFlagsOffset = 0x236;
    private const int E820EntriesOffset = 0x1e8;
    private const int E820TableOffset = 0x2d0;
    private const int E820EntrySize = 20;
    private const int E820MaxEntries = 128;
    private const int BootParamsSize = 4096;
    private const int AcpiRsdpAddressOffset = 0x070;   // boot_params.acpi_rsdp_addr (protocol 2.14+)
    private const ulong BiosDataEbdaSegment = 0x40e;   // the BDA word that points at the EBDA, where kernels also look for the RSDP

    private const byte LoaderTypeUndefined = 0xff;
    private const byte LoadedHigh = 0x01;
    private const ushort XlfKernel64 = 0x01;
    private const ushort MinimumProtocol = 0x0206; // cmdline_size and a 64-bit entry need 2.06+
    private const ulong Entry64Offset = 0x200;
    private const uint E820Ram = 1;
    private const uint E820Reserved = 2;
    private const ulong LowMemoryEnd = 0x9fc00;  // conventional memory below the EBDA
    private const ulong HighMemoryStart = 0x100000;

    /// <summary>Loads <paramref name="bzImage"/> (+ <paramref name="initrd"/>) into <paramref name="memory"/>; throws <see cref="BootImageException"/> naming what is wrong.</summary>
    public static BootState Load(GuestMemory memory, ReadOnlySpan<byte> bzImage, string commandLine, ReadOnlySpan<byte> initrd = default,
        LinuxBootLayout? layout = null, BootPlatform? platform = null)
    {
        layout ??= LinuxBootLayout.Default;
        platform ??= BootPlatform.Default;
        if (bzImage.Length < 0x1000 || BinaryPrimitives.ReadUInt32LittleEndian(bzImage[HeaderMagicOffset..]) != HeaderMagic)
            throw new BootImageException("not a bzImage: the setup header's \"HdrS\" magic is missing at offset 0x202");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bzImage[ProtocolVersionOffset..]);
        if (version < MinimumProtocol)
            throw new BootImageException($"the bzImage speaks boot protocol {version >> 8}.{version & 0xff:d2}; 2.06 or later is needed");
        bool kernel64 = (BinaryPrimitives.ReadUInt16LittleEndian(bzImage[ExtendedLoadFlagsOffset..]) & XlfKernel64) != 0;
        if (platform.LongMode && !kernel64 && !platform.ProtectedModeKernels)
            throw new BootImageException("the bzImage has no 64-bit entry point (XLF_KERNEL_64 is clear): a 32-bit kernel needs the soft accelerator, which enters it through the 32-bit boot protocol");
        // A 64-bit kernel starts in long mode (the 64-bit boot protocol) wherever the vCPUs can.
        bool entry64 = kernel64 && platform.LongMode;
        if (!platform.LongMode && kernel64)
            throw new BootImageException("this is a 64-bit kernel (XLF_KERNEL_64), and this accelerator cannot run long mode: use a 32-bit kernel (scripts/linux-guest/build.sh --arch i386) or --accel kvm");

        int setupSectors = bzImage[SetupSectorsOffset] == 0 ? 4 : bzImage[SetupSectorsOffset];
        int kernelOffset = (setupSectors + 1) * 512;
        var kernel = bzImage[kernelOffset..];
        RequireRam(memory, layout.KernelAddress, (ulong)kernel.Length, "kernel");
        memory.Write(layout.KernelAddress, kernel);

        uint commandLineMax = BinaryPrimitives.ReadUInt32LittleEndian(bzImage[CommandLineSizeOffset..]);
        byte[] commandLineBytes = Encoding.ASCII.GetBytes(commandLine + "\0");
        if ((uint)commandLineBytes.Length - 1 > commandLineMax)
            throw new BootImageException($"the command line is {commandLineBytes.Length - 1} bytes; this kernel takes at most {commandLineMax}");
        RequireRam(memory, layout.CommandLineAddress, (ulong)commandLineBytes.Length, "command line");
        memory.Write(layout.CommandLineAddress, commandLineBytes);

        var bootParams = new byte[BootParamsSize];
        int headerEnd = HeaderMagicOffset + bzImage[0x201]; // the header's length is in its jump instruction
        bzImage[SetupSectorsOffset..headerEnd].CopyTo(bootParams.AsSpan(SetupSectorsOffset));
        bootParams[TypeOfLoaderOffset] = LoaderTypeUndefined;
        bootParams[LoadFlagsOffset] |= LoadedHigh;
        BinaryPrimitives.WriteUInt32LittleEndian(bootParams.AsSpan(CommandLinePointerOffset), (uint)layout.CommandLineAddress);

        ulong initrdAddress = 0;
        if (!initrd.IsEmpty)
        {
            uint initrdMax = BinaryPrimitives.ReadUInt32LittleEndian(bzImage[InitrdAddressMaxOffset..]);
            initrdAddress = PlaceInitrd(memory, (ulong)initrd.Length, initrdMax);
            memory.Write(initrdAddress, initrd);
            BinaryPrimitives.WriteUInt32LittleEndian(bootParams.AsSpan(RamdiskImageOffset), (uint)initrdAddress);
            BinaryPrimitives.WriteUInt32LittleEndian(bootParams.AsSpan(RamdiskSizeOffset), (uint)initrd.Length);
        }
        var loaded = new List<LoadedRegion>();
        if (platform.Acpi is { } acpi)
        {
            RequireRam(memory, AcpiTables.DefaultAddress, AcpiTables.MaxSize, "ACPI tables (below 640 KiB)");
            ulong rsdp = AcpiTables.Write(memory, acpi, apic: platform.Apic);
            BinaryPrimitives.WriteUInt64LittleEndian(bootParams.AsSpan(AcpiRsdpAddressOffset), rsdp);
            Span<byte> ebdaSegment = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(ebdaSegment, (ushort)(AcpiTables.DefaultAddress >> 4));
            memory.Write(BiosDataEbdaSegment, ebdaSegment);
            loaded.Add(new LoadedRegion("ACPI tables", AcpiTables.DefaultAddress, AcpiTables.MaxSize));
        }
        WriteE820(memory, bootParams);
        RequireRam(memory, layout.BootParamsAddress, BootParamsSize, "boot_params");
        memory.Write(layout.BootParamsAddress, bootParams);

        var registers = new VcpuRegisters
        {
            // 64-bit: startup_64 at load address + 0x200. 32-bit: startup_32 at the load address
            // (code32_start), with EBP, EDI and EBX zero as boot.rst asks.
            Rip = layout.KernelAddress + (entry64 ? Entry64Offset : 0),
            Rsi = layout.BootParamsAddress,
            Rflags = X86Bits.RflagsReserved, // IF clear: interrupts disabled at entry
        };
        loaded.Add(new("kernel", layout.KernelAddress, (ulong)kernel.Length));
        loaded.Add(new("command line", layout.CommandLineAddress, (ulong)commandLineBytes.Length));
        loaded.Add(new("boot_params", layout.BootParamsAddress, BootParamsSize));
        if (!initrd.IsEmpty)
            loaded.Add(new LoadedRegion("initrd", initrdAddress, (ulong)initrd.Length));
        var special = entry64 ? EntryStates.LongMode(memory) : EntryStates.LinuxProtectedMode(memory);
        return new BootState(registers, special) { Loaded = loaded };
    }

    /// <summary>The highest 4 KiB-aligned RAM range below the kernel's initrd limit that holds the initrd.</summary>
    private static ulong PlaceInitrd(GuestMemory memory, ulong size, uint initrdMax)
    {
        foreach (var slot in memory.Slots.Reverse())
        {
            ulong top = Math.Min(slot.End, (ulong)initrdMax + 1);
            if (top <= slot.GuestAddress || top - slot.GuestAddress < size)
                continue;
            ulong address = (top - size) & ~0xffful;
            if (address >= slot.GuestAddress && address >= HighMemoryStart)
                return address;
        }
        throw new BootImageException($"no RAM below 0x{initrdMax:x} holds the {size}-byte initrd");
    }

    /// <summary>The E820 map: each RAM slot as usable, minus the legacy hole [0x9fc00, 0x100000).</summary>
    private static void WriteE820(GuestMemory memory, byte[] bootParams)
    {
        var entries = new List<(ulong Address, ulong Size, uint Type)>();
        foreach (var slot in memory.Slots)
        {
            ulong start = slot.GuestAddress, end = slot.End;
            if (start < LowMemoryEnd)
                entries.Add((start, Math.Min(end, LowMemoryEnd) - start, E820Ram));
            if (end > HighMemoryStart)
                entries.Add((Math.Max(start, HighMemoryStart), end - Math.Max(start, HighMemoryStart), E820Ram));
        }
        entries.Add((LowMemoryEnd, HighMemoryStart - LowMemoryEnd, E820Reserved));
        if (entries.Count > E820MaxEntries)
            throw new BootImageException($"{entries.Count} memory ranges exceed the zero page's {E820MaxEntries} E820 entries");
        entries.Sort((a, b) => a.Address.CompareTo(b.Address));
        bootParams[E820EntriesOffset] = (byte)entries.Count;
        for (int i = 0; i < entries.Count; i++)
        {
            var entry = bootParams.AsSpan(E820TableOffset + i * E820EntrySize, E820EntrySize);
            BinaryPrimitives.WriteUInt64LittleEndian(entry, entries[i].Address);
            BinaryPrimitives.WriteUInt64LittleEndian(entry[8..], entries[i].Size);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[16..], entries[i].Type);
        }
    }

    private static void RequireRam(GuestMemory memory, ulong address, ulong length, string what)
    {
        if (!memory.IsRam(address, length))
            throw new BootImageException($"the {what} at [0x{address:x}, 0x{address + length:x}) does not fit in guest RAM");
    }
}
