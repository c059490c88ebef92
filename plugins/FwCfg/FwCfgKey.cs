namespace MiniVmm.Devices.FwCfg;

/// <summary>The selector keys of QEMU's fw_cfg (docs/specs/fw_cfg.rst, include/standard-headers/linux/qemu_fw_cfg.h).</summary>
public static class FwCfgKey
{
    public const ushort Signature = 0x00;
    public const ushort Id = 0x01;
    public const ushort Uuid = 0x02;
    public const ushort RamSize = 0x03;
    public const ushort NoGraphic = 0x04;
    public const ushort NbCpus = 0x05;
    public const ushort MachineId = 0x06;
    public const ushort KernelAddr = 0x07;
    public const ushort KernelSize = 0x08;
    public const ushort KernelCmdline = 0x09;
    public const ushort InitrdAddr = 0x0a;
    public const ushort InitrdSize = 0x0b;
    public const ushort BootDevice = 0x0c;
    public const ushort Numa = 0x0d;
    public const ushort BootMenu = 0x0e;
    public const ushort MaxCpus = 0x0f;
    public const ushort KernelEntry = 0x10;
    public const ushort KernelData = 0x11;
    public const ushort InitrdData = 0x12;
    public const ushort CmdlineAddr = 0x13;
    public const ushort CmdlineSize = 0x14;
    public const ushort CmdlineData = 0x15;
    public const ushort SetupAddr = 0x16;
    public const ushort SetupSize = 0x17;
    public const ushort SetupData = 0x18;
    public const ushort FileDir = 0x19;

    /// <summary>Files get keys from here up, in name order.</summary>
    public const ushort FileFirst = 0x20;

    /// <summary>Selector bit: the item is architecture-specific (x86: the table below).</summary>
    public const ushort ArchLocal = 0x8000;

    /// <summary>Selector bit: the guest means to write the item (writes are not supported here).</summary>
    public const ushort WriteChannel = 0x4000;

    public const ushort AcpiTables = ArchLocal | 0x00;
    public const ushort SmbiosEntries = ArchLocal | 0x01;
    public const ushort Irq0Override = ArchLocal | 0x02;
    public const ushort E820Table = ArchLocal | 0x03;
    public const ushort Hpet = ArchLocal | 0x04;

    /// <summary>FW_CFG_ID bits: the traditional port interface, and the DMA interface.</summary>
    public const uint IdTraditional = 1u << 0;
    public const uint IdDma = 1u << 1;

    /// <summary>The bytes of a file directory entry's name, NUL-terminated.</summary>
    public const int MaxFileName = 56;
}
