using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Ide;

/// <summary>
/// The PIIX3's IDE function (8086:7010, class 0101, prog-if 0x80: both channels in legacy mode,
/// bus-master capable) at 00:01.1 as on QEMU's <c>-M pc</c>, with its primary channel at the
/// legacy ports 0x1f0-0x1f7 and 0x3f6 on IRQ 14 and an ATA disk as device 0 on a raw image file.
/// BAR 4 (bus-master DMA) is not implemented, so it reads 0: SeaBIOS uses PIO anyway, and Linux's
/// ata_piix sees "BAR4 is zero" and keeps to PIO. The IDE timing registers (0x40-0x43) take the
/// decode-enable bits firmware writes. Needs the 00:01.0 ISA bridge (<c>piix3-isa</c>) for
/// enumerators that scan function 1 only behind a multi-function function 0.
/// </summary>
[Device("piix3-ide", Port = IdeLegacyPorts.PrimaryCommand, Irq = IdeLegacyPorts.PrimaryIrq,
    Description = "PIIX3 IDE function (8086:7010) at 00:01.1: primary channel 0x1f0/0x3f6, IRQ 14, an ATA disk on a raw image (PIO)")]
[DeviceWindow("control", Port = IdeLegacyPorts.PrimaryControl, Description = "the primary channel's device control / alternate status register")]
[DeviceOption("image", "the disk: a raw image file (relative paths from the machine file's folder)")]
[DeviceOption("readonly", "never write the file: the guest's writes are kept in memory until the VM ends", Default = "false")]
[DeviceOption("model", "the model string IDENTIFY DEVICE reports (40 characters at most)", Default = "MiniVmm HARDDISK")]
[DeviceOption("serial", "the serial number IDENTIFY DEVICE reports (20 characters at most)", Default = "MV00001")]
[DeviceOption("pciAddress", "the function's address on bus 0; needs a pci-host entry", Default = "00:01.1")]
public sealed class Piix3IdeDevice : IPortDevice, IDeviceState
{
    private readonly PciBus _bus;
    private readonly DiskImage _image;

    public Piix3IdeDevice(DeviceContext context)
    {
        string? image = context.Options["image"];
        if (string.IsNullOrWhiteSpace(image))
            throw new DeviceConfigurationException("image", "needs the disk's raw image file, e.g. \"../artifacts/linux-i386/disk.img\"");
        string model = AtaString(context, "model", "MiniVmm HARDDISK", 40);
        string serial = AtaString(context, "serial", "MV00001", 20);
        _image = DiskImage.Open(Path.GetFullPath(image, context.BaseDirectory), context.Options.GetBoolean("readonly", false), "image");
        try
        {
            Channel = new IdeChannel(new AtaDisk(_image, model, serial), null, context.Irq);
            Config = Piix3Functions.Ide();
            _bus = context.Pci;
            Address = PciBus.AddAt(context, Config, standardAddress: "00:01.1");
            context.Windows.AddPorts("control", new IdeControlPort(Channel));
        }
        catch
        {
            _image.Dispose();
            throw;
        }
    }

    /// <summary>The primary channel.</summary>
    public IdeChannel Channel { get; }

    /// <summary>Where the function sits.</summary>
    public PciAddress Address { get; }

    /// <summary>Its configuration space.</summary>
    public PciConfigSpace Config { get; }

    public int PortCount => AtaPort.Count;

    public uint Read(ushort offset, int size) => Channel.ReadCommandBlock(offset, size);

    public void Write(ushort offset, int size, uint value) => Channel.WriteCommandBlock(offset, size, value);

    /// <summary>Power-on: the channel (the disk keeps what was written) and the configuration space.</summary>
    public void Reset()
    {
        Channel.Reset();
        Config.Reset();
    }

    /// <summary>The configuration space, the channel, and a read-only image's in-memory writes.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        Config.SaveState(writer);
        Channel.SaveState(writer);
        _image.SaveState(writer);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("piix3-ide", version, StateVersion);
        Config.LoadState(reader);
        Channel.LoadState(reader);
        _image.LoadState(reader);
    }

    public void Dispose()
    {
        _bus.Remove(Address);
        _image.Dispose();
    }

    private static string AtaString(DeviceContext context, string option, string fallback, int length)
    {
        string text = context.Options.GetString(option, fallback);
        if (text.Length > length || text.Any(c => c < 0x20 || c > 0x7e))
            throw new DeviceConfigurationException(option, $"'{text}': expected at most {length} printable ASCII characters");
        return text;
    }
}
