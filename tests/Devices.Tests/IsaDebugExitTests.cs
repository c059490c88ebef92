using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;

namespace Devices.Tests;

public sealed class IsaDebugExitTests
{
    [Theory]
    [InlineData(0u, 1)]
    [InlineData(1u, 3)]
    [InlineData(0x10u, 0x21)]
    public void Writing_v_stops_the_vm_with_status_v_shifted_left_or_1(uint value, int status)
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();

        exit.Out(0, (byte)value);

        Assert.Equal(status, exit.Vm.ExitCode);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    [InlineData("4", 4)]
    public void Iosize_sets_the_width_and_the_ports_claimed(string iosize, int ports)
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>(new() { ["iosize"] = iosize });

        Assert.Equal(ports, exit.Device.PortCount);
        exit.Write(0, ports, 0x0102_0304);
        uint expected = ports == 4 ? 0x0102_0304u : (uint)(0x0102_0304 & ((1 << (8 * ports)) - 1));
        Assert.Equal(IsaDebugExit.ExitStatus(expected), exit.Vm.ExitCode);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("8")]
    [InlineData("0")]
    [InlineData("wide")]
    public void Unsupported_iosize_is_rejected(string iosize)
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => DeviceHarness.Create<IsaDebugExit>(new() { ["iosize"] = iosize }));
        Assert.Equal("iosize", e.Option);
    }

    [Fact]
    public void The_write_is_logged()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();
        exit.Out(0, 0x31);

        Assert.Contains(exit.Log.Messages(), m => m.Contains("exit status 99"));
    }
}
