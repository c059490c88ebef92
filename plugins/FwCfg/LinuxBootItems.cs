using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.FwCfg;

/// <summary>
/// A Linux bzImage (and initrd, command line) as fw_cfg items for an option ROM such as QEMU's
/// linuxboot_dma.bin, which copies them into place and jumps to the real-mode setup: the x86 boot
/// protocol's header fields patched as QEMU's x86_load_linux does (Documentation/arch/x86/boot.rst).
/// </summary>
public static class LinuxBootItems
{
    /// <summary>How much of the file's start QEMU reads as the header (setup code included).</summary>
    private const int HeaderSize = 8192;
    /// <summary>The header fields this loader reads or writes end here.</summary>
    private const int HeaderFieldsEnd = 0x230;
    private const int SetupSectsOffset = 0x1f1;
    private const int HeaderMagicOffset = 0x202;
    private const uint HeaderMagic = 0x53726448; // "HdrS"
    private const int VersionOffset = 0x206;
    private const int TypeOfLoaderOffset = 0x210;
    private const int LoadFlagsOffset = 0x211;
    private const int RamdiskImageOffset = 0x218;
    private const int RamdiskSizeOffset = 0x21c;
    private const int HeapEndPtrOffset = 0x224;
    private const int CmdLinePtrOffset = 0x228;
    private const int InitrdAddrMaxOffset = 0x22c;
    private const byte LoadedHigh = 0x01;
    private const byte CanUseHeap = 0x80;
    /// <summary>type_of_loader 0xB0: QEMU.</summary>
    private const byte LoaderQemu = 0xb0;
    private const uint RealModeAddress = 0x10000;
    private const uint CmdlineAddress = 0x20000;
    private const uint ProtectedModeAddress = 0x100000;
    /// <summary>What QEMU keeps free at the top of low RAM for ACPI tables (128 KiB + 32 KiB).</summary>
    private const ulong AcpiReserve = 0x28000;

    /// <summary>Adds the kernel, setup, command line and initrd items; throws <see cref="DeviceConfigurationException"/> for a kernel it cannot boot.</summary>
    public static void Add(FwCfgItems items, byte[] kernel, byte[]? initrd, string cmdline, ulong ramBelow4G)
    {
        if (kernel.Length < HeaderFieldsEnd || BinaryPrimitives.ReadUInt32LittleEndian(kernel.AsSpan(HeaderMagicOffset)) != HeaderMagic)
            throw new DeviceConfigurationException("kernel", "not a Linux bzImage (no \"HdrS\" boot header)");
        ushort protocol = BinaryPrimitives.ReadUInt16LittleEndian(kernel.AsSpan(VersionOffset));
        if (protocol < 0x202 || (kernel[LoadFlagsOffset] & LoadedHigh) == 0)
            throw new DeviceConfigurationException("kernel", $"boot protocol {protocol >> 8}.{protocol & 0xff} without LOADED_HIGH: only bzImages of protocol 2.02 and later are supported");

        var header = kernel.AsSpan(0, Math.Min(HeaderSize, kernel.Length)).ToArray();
        var cmdlineBytes = Encoding.ASCII.GetBytes(cmdline + "\0");
        items.SetU32(FwCfgKey.CmdlineAddr, CmdlineAddress);
        items.SetU32(FwCfgKey.CmdlineSize, (uint)cmdlineBytes.Length);
        items.Set(FwCfgKey.CmdlineData, cmdlineBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(CmdLinePtrOffset), CmdlineAddress);
        header[TypeOfLoaderOffset] = LoaderQemu;
        header[LoadFlagsOffset] |= CanUseHeap;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(HeapEndPtrOffset), (ushort)(CmdlineAddress - RealModeAddress - 0x200));

        if (initrd != null)
        {
            ulong initrdMax = protocol >= 0x203 ? BinaryPrimitives.ReadUInt32LittleEndian(kernel.AsSpan(InitrdAddrMaxOffset)) : 0x37ffffff;
            initrdMax = Math.Min(initrdMax, ramBelow4G - AcpiReserve - 1);
            if ((ulong)initrd.Length > initrdMax)
                throw new DeviceConfigurationException("initrd", $"the initrd ({initrd.Length} bytes) does not fit below 0x{initrdMax:x}");
            uint initrdAddress = (uint)((initrdMax - (ulong)initrd.Length) & ~0xfffUL);
            items.SetU32(FwCfgKey.InitrdAddr, initrdAddress);
            items.SetU32(FwCfgKey.InitrdSize, (uint)initrd.Length);
            items.Set(FwCfgKey.InitrdData, initrd);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(RamdiskImageOffset), initrdAddress);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(RamdiskSizeOffset), (uint)initrd.Length);
        }

        int setupSects = kernel[SetupSectsOffset] == 0 ? 4 : kernel[SetupSectsOffset];
        int setupSize = (setupSects + 1) * 512;
        if (setupSize > kernel.Length)
            throw new DeviceConfigurationException("kernel", $"its setup ({setupSize} bytes) is longer than the file");
        var setup = kernel.AsSpan(0, setupSize).ToArray();
        header.AsSpan(0, Math.Min(header.Length, setupSize)).CopyTo(setup);
        items.SetU32(FwCfgKey.SetupAddr, RealModeAddress);
        items.SetU32(FwCfgKey.SetupSize, (uint)setup.Length);
        items.Set(FwCfgKey.SetupData, setup);
        var body = kernel.AsSpan(setupSize).ToArray();
        items.SetU32(FwCfgKey.KernelAddr, ProtectedModeAddress);
        items.SetU32(FwCfgKey.KernelSize, (uint)body.Length);
        items.Set(FwCfgKey.KernelData, body);
    }
}
