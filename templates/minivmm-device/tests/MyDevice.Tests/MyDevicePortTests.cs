using Hypervisor.Abstractions;
using Hypervisor.Testing;
using Register = MyDevice.MyDevicePort.Register;

namespace MyDevice.Tests;

/// <summary>The device driven through the MiniVmm device test kit, as a guest would, without a CPU.</summary>
public class MyDevicePortTests
{
    [Fact]
    public void The_scratch_register_keeps_what_the_guest_writes()
    {
        using var device = DeviceHarness.Create<MyDevicePort>();

        device.Out(Register.Scratch, 0x5a);

        Assert.Equal(0x5a, device.In(Register.Scratch));
    }

    [Fact]
    public void The_initial_option_sets_the_power_on_and_reset_value()
    {
        using var device = DeviceHarness.Create<MyDevicePort>(new() { ["initial"] = "0x2a" });
        Assert.Equal(0x2a, device.In(Register.Scratch));

        device.Out(Register.Scratch, 7);
        device.Device.Reset();

        Assert.Equal(0x2a, device.In(Register.Scratch));
    }

    [Fact]
    public void The_doorbell_raises_the_line_until_the_guest_reads_it()
    {
        using var device = DeviceHarness.Create<MyDevicePort>(settings: new() { Irq = 5 });

        device.Out(Register.Doorbell, 1);
        Assert.True(device.Irq.Level);

        Assert.Equal(1, device.In(Register.Doorbell));
        Assert.False(device.Irq.Level);
        Assert.Equal(0, device.In(Register.Doorbell));
    }

    [Fact]
    public void An_initial_value_wider_than_the_register_is_rejected()
    {
        var e = Assert.Throws<DeviceConfigurationException>(
            () => DeviceHarness.Create<MyDevicePort>(new() { ["initial"] = "256" }));

        Assert.Equal("initial", e.Option);
    }
}
