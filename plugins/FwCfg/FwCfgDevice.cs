using System.Buffers.Binary;
using System.Text;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.FwCfg;

/// <summary>
/// QEMU's firmware configuration device on its x86 ports (QEMU docs/specs/fw_cfg.rst): a 16-bit
/// selector at 0x510, a byte-wide data port at 0x511 that reads the selected item from its start,
/// and the DMA register at 0x514-0x51b (big-endian address of a descriptor; writing its low half
/// runs it). It serves what SeaBIOS asks QEMU for: the signature and ID, RAM size, CPU count, the
/// e820 table, boot menu and order, the serial console port, and a kernel to boot.
/// </summary>
[Device("fw-cfg", Port = 0x510, Description = "QEMU's fw_cfg (ports 0x510-0x51b: selector, data, DMA): machine facts and a kernel for SeaBIOS")]
[DeviceOption("memorySize", "the machine's RAM below 4 GiB in bytes (e.g. 128MiB): FW_CFG_RAM_SIZE and the e820 table; 0 leaves both out (SeaBIOS then reads the CMOS)", Default = "0")]
[DeviceOption("cpus", "the CPU count firmware is told (FW_CFG_NB_CPUS, FW_CFG_MAX_CPUS)", Default = "1")]
[DeviceOption("bootMenu", "let the firmware offer its boot menu (FW_CFG_BOOT_MENU)", Default = "false")]
[DeviceOption("bootOrder", "OpenFirmware device paths, comma-separated, for the \"bootorder\" file (e.g. /pci@i0cf8/*@1,1/drive@0/disk@0)", Default = "")]
[DeviceOption("serialConsole", "the port of a 16550 the firmware mirrors its screen to (\"etc/sercon-port\", e.g. 0x3f8); 0 for none", Default = "0")]
[DeviceOption("kernel", "a Linux bzImage the firmware boots through the linuxboot option ROM (relative to the machine file)")]
[DeviceOption("initrd", "the initial ramdisk for the kernel")]
[DeviceOption("cmdline", "the kernel command line", Default = "")]
[DeviceOption("linuxboot", "the option ROM that boots the kernel (QEMU's, package qemu-system-data)", Default = "/usr/share/qemu/linuxboot_dma.bin")]
public sealed class FwCfgDevice : IPortDevice, IDeviceState
{
    private const int SelectorPort = 0;
    private const int DataPort = 1;
    private const int DmaPort = 4;
    private const int DmaPortLow = 8;
    public const int Ports = 12;
    private const string LinuxBootRom = "genroms/linuxboot_dma.bin";

    private readonly object _lock = new();
    private readonly DeviceContext _context;
    private readonly FwCfgItems _items = new();
    private ushort _key;
    private byte[] _selected = [];
    private int _offset;
    private uint _dmaHigh;

    public FwCfgDevice(DeviceContext context)
    {
        _context = context;
        ulong ram = context.Options.GetUInt64("memorySize", 0);
        ulong cpus = context.Options.GetUInt64("cpus", 1);
        if (cpus is 0 or > 255)
            throw new DeviceConfigurationException("cpus", $"{cpus} is not a CPU count (1-255)");
        ulong sercon = context.Options.GetUInt64("serialConsole", 0);
        if (sercon > 0xffff)
            throw new DeviceConfigurationException("serialConsole", $"0x{sercon:x} is not a port");

        _items.Set(FwCfgKey.Signature, "QEMU"u8.ToArray());
        _items.SetU32(FwCfgKey.Id, FwCfgKey.IdTraditional | FwCfgKey.IdDma);
        _items.SetU16(FwCfgKey.NbCpus, (ushort)cpus);
        _items.SetU16(FwCfgKey.MaxCpus, (ushort)cpus);
        _items.SetU16(FwCfgKey.BootMenu, context.Options.GetBoolean("bootMenu", false) ? (ushort)1 : (ushort)0);
        _items.SetU16(FwCfgKey.NoGraphic, 1);
        if (ram > 0)
            AddMemory(ram);
        if (sercon != 0)
            _items.AddFile("etc/sercon-port", LittleEndian16((ushort)sercon));

        var bootOrder = context.Options.GetString("bootOrder", "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (context.Options["kernel"] is { } kernel)
        {
            if (ram == 0)
                throw new DeviceConfigurationException("memorySize", "a kernel needs the RAM size (where the initrd goes); set memorySize");
            byte[]? initrd = context.Options["initrd"] is { } path ? ReadFile("initrd", path) : null;
            LinuxBootItems.Add(_items, ReadFile("kernel", kernel), initrd, context.Options.GetString("cmdline", ""), ram);
            _items.AddFile(LinuxBootRom, ReadFile("linuxboot", context.Options.GetString("linuxboot", "/usr/share/qemu/linuxboot_dma.bin")));
            bootOrder.Insert(0, "/rom@" + LinuxBootRom); // QEMU gives -kernel boot index 0
        }
        else if (context.Options["initrd"] != null)
        {
            throw new DeviceConfigurationException("initrd", "an initrd needs a kernel");
        }
        if (bootOrder.Count > 0)
            _items.AddFile("bootorder", Encoding.ASCII.GetBytes(string.Join('\n', bootOrder) + "\0"));
        _items.Seal();
        Select(FwCfgKey.Signature);
    }

    /// <summary>The items served, for tests.</summary>
    public FwCfgItems Items => _items;

    public int PortCount => Ports;

    /// <summary>The selected item, the read offset in it and the DMA address's high half (state version 1); the items come from the options.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt16(_key);
            writer.WriteInt32(_offset);
            writer.WriteUInt32(_dmaHigh);
        }
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("fw-cfg", version, StateVersion);
        lock (_lock)
        {
            Select(reader.ReadUInt16());
            _offset = reader.ReadInt32();
            _dmaHigh = reader.ReadUInt32();
        }
    }

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
        {
            if (offset == DataPort)
            {
                // Wider reads take successive bytes, the first in the low byte (a string read in order).
                uint value = 0;
                for (int i = 0; i < size; i++)
                    value |= (uint)NextByte() << (8 * i);
                return value;
            }
            if (offset >= DmaPort && offset + size <= Ports)
                return DmaSignatureBytes(offset - DmaPort, size);
            return 0;
        }
    }

    public void Write(ushort offset, int size, uint value)
    {
        lock (_lock)
        {
            if (offset == SelectorPort && size == 2)
                Select((ushort)value);
            else if (offset == DmaPort && size == 4)
                _dmaHigh = BinaryPrimitives.ReverseEndianness(value);
            else if (offset == DmaPortLow && size == 4)
                RunDma(((ulong)_dmaHigh << 32) | BinaryPrimitives.ReverseEndianness(value));
            // Writes to the data port are ignored, as in QEMU since 2.4.
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _dmaHigh = 0;
            Select(FwCfgKey.Signature);
        }
    }

    public void Dispose()
    {
    }

    private void AddMemory(ulong ram)
    {
        const ulong oneMiB = 0x100000;
        if (ram < oneMiB || !_context.Memory.IsRam(oneMiB, ram - oneMiB))
            throw new DeviceConfigurationException("memorySize", $"0x{ram:x} bytes: guest RAM does not cover [1 MiB, 0x{ram:x}) as the e820 table would say");
        _items.SetU64(FwCfgKey.RamSize, ram);
        // One RAM entry from 0, as QEMU's pc machine gives: the firmware carves out its own holes.
        var e820 = new byte[20];
        BinaryPrimitives.WriteUInt64LittleEndian(e820, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(e820.AsSpan(8), ram);
        BinaryPrimitives.WriteUInt32LittleEndian(e820.AsSpan(16), E820Ram);
        _items.AddFile("etc/e820", e820);
    }

    private const uint E820Ram = 1;

    private byte[] ReadFile(string option, string path)
    {
        string full = Path.GetFullPath(path, _context.BaseDirectory);
        try
        {
            return File.ReadAllBytes(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException(option, $"cannot read '{full}': {e.Message}");
        }
    }

    private static byte[] LittleEndian16(ushort value)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(data, value);
        return data;
    }

    private void Select(ushort key)
    {
        _key = (ushort)(key & ~FwCfgKey.WriteChannel);
        _selected = _items.Get(_key);
        _offset = 0;
    }

    private byte NextByte() => _offset < _selected.Length ? _selected[_offset++] : (byte)0;

    private static uint DmaSignatureBytes(int at, int size)
    {
        uint value = 0;
        for (int i = 0; i < size && at + i < 8; i++)
            value |= (uint)(byte)(FwCfgDma.Signature >> (8 * (7 - (at + i)))) << (8 * i);
        return value;
    }

    /// <summary>Runs the descriptor at <paramref name="address"/> and writes its status back into it.</summary>
    private void RunDma(ulong address)
    {
        var memory = _context.Memory;
        Span<byte> descriptor = stackalloc byte[FwCfgDma.DescriptorSize];
        if (!memory.IsRam(address, FwCfgDma.DescriptorSize))
        {
            _context.Logger.Warning("fw_cfg DMA descriptor at 0x{Address:x} is not in RAM; ignored", address);
            return;
        }
        memory.Read(address, descriptor);
        var (control, length, target) = FwCfgDma.Parse(descriptor);
        if ((control & FwCfgDma.Select) != 0)
            Select((ushort)(control >> FwCfgDma.SelectorShift));
        uint status = 0;
        if ((control & FwCfgDma.Read) != 0)
        {
            if (memory.IsRam(target, length))
            {
                var data = new byte[length];
                int available = Math.Max(0, Math.Min((int)length, _selected.Length - _offset));
                if (available > 0) // past the item's end (a skip may have gone beyond it): zeros
                    _selected.AsSpan(_offset, available).CopyTo(data);
                memory.Write(target, data);
                _offset += (int)Math.Min(length, int.MaxValue - (uint)_offset);
            }
            else
            {
                status = FwCfgDma.Error;
            }
        }
        else if ((control & FwCfgDma.Write) != 0)
        {
            status = FwCfgDma.Error; // no item here is writable
        }
        else if ((control & FwCfgDma.Skip) != 0)
        {
            _offset += (int)Math.Min(length, int.MaxValue - (uint)_offset);
        }
        Span<byte> result = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(result, status);
        memory.Write(address, result);
    }
}
