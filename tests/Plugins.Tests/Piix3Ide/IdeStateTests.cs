using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Ide;

namespace Plugins.Tests.Piix3Ide;

/// <summary>
/// The IDE function's saved state loaded into a fresh instance on the same image: a PIO transfer
/// stopped halfway goes on where it stopped, and a read-only disk keeps the guest's writes.
/// </summary>
public sealed class IdeStateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("minivmm-ide-state-").FullName;
    private readonly List<IDisposable> _harnesses = [];

    public IdeStateTests()
    {
        var image = new byte[64 * 512];
        for (int i = 0; i < image.Length; i++)
            image[i] = (byte)(i / 512 * 7 + i);
        File.WriteAllBytes(Path.Combine(_folder, "disk.img"), image);
    }

    public void Dispose()
    {
        foreach (var h in _harnesses)
            h.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private DeviceHarness<Piix3IdeDevice> Ide()
    {
        var h = DeviceHarness.Create<Piix3IdeDevice>(new() { ["image"] = "disk.img", ["readonly"] = "true" },
            new DeviceHarnessSettings { Irq = 14, BaseDirectory = _folder });
        _harnesses.Add(h);
        return h;
    }

    private static void Command(DeviceHarness<Piix3IdeDevice> ide, byte command, long lba, int count)
    {
        ide.Out(AtaPort.SectorCount, (byte)count);
        ide.Out(AtaPort.LbaLow, (byte)lba);
        ide.Out(AtaPort.LbaMid, 0);
        ide.Out(AtaPort.LbaHigh, 0);
        ide.Out(AtaPort.Device, AtaControl.LbaMode);
        ide.Out(AtaPort.StatusCommand, command);
    }

    private static byte[] ReadWords(DeviceHarness<Piix3IdeDevice> ide, int bytes)
    {
        var data = new byte[bytes];
        for (int i = 0; i < bytes; i += 2)
            BitConverter.GetBytes((ushort)ide.Read(AtaPort.Data, 2)).CopyTo(data, i);
        return data;
    }

    private static DeviceHarness<Piix3IdeDevice> Restore(DeviceHarness<Piix3IdeDevice> from, DeviceHarness<Piix3IdeDevice> into)
    {
        var writer = new StateWriter();
        from.Device.SaveState(writer);
        var reader = new StateReader(writer.ToArray());
        into.Device.LoadState(reader, from.Device.StateVersion);
        Assert.Equal(0, reader.Remaining);
        return into;
    }

    [Fact]
    public void A_read_stopped_halfway_continues_in_the_restored_device_with_its_interrupt_pending()
    {
        var expected = File.ReadAllBytes(Path.Combine(_folder, "disk.img")).AsSpan(5 * 512, 2 * 512).ToArray();
        var old = Ide();
        Command(old, AtaCommand.ReadSectors, lba: 5, count: 2);
        byte[] first = ReadWords(old, 300);

        var restored = Restore(old, Ide());

        Assert.True(restored.Irq.Level); // the block's INTRQ, not yet cleared by a status read
        Assert.NotEqual(0, restored.In(AtaPort.StatusCommand) & AtaStatus.DataRequest);
        byte[] rest = ReadWords(restored, 2 * 512 - 300);
        Assert.Equal(expected, first.Concat(rest).ToArray());
        Assert.Equal(AtaStatus.Idle, restored.In(AtaPort.StatusCommand));
    }

    [Fact]
    public void A_read_only_disk_hands_the_guests_writes_to_the_restored_device()
    {
        var old = Ide();
        Command(old, AtaCommand.WriteSectors, lba: 9, count: 1);
        for (int i = 0; i < 256; i++)
            old.Write(AtaPort.Data, 2, 0xbeef);

        var restored = Restore(old, Ide());
        Command(restored, AtaCommand.ReadSectors, lba: 9, count: 1);

        Assert.All(ReadWords(restored, 512).Chunk(2), w => Assert.Equal(0xbeef, BitConverter.ToUInt16(w)));
    }
}
