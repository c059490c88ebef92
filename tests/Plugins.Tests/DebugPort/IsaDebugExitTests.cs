using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Debug;

namespace Plugins.Tests.DebugPort;

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
        Assert.Equal(IsaDebugExit.ExitCode(expected), exit.Vm.ExitCode);
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
    public void The_write_is_logged_as_a_failure_with_the_real_exit_code()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();
        exit.Out(0, 0x31);

        Assert.Contains(exit.Log.Messages(), m => m.Contains("reported failure 49") && m.Contains("exit code 99"));
    }

    [Fact]
    public void Zero_is_reported_as_success()
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>();
        exit.Out(0, 0);

        Assert.Equal(1, exit.Vm.ExitCode);
        Assert.Contains("the guest reported success", exit.Vm.StopRequests[0].Reason);
    }

    [Theory]
    [InlineData(0x80u, 1)] // status 257: the host's exit() keeps 8 bits, as QEMU's exit code shows
    [InlineData(0xffu, 0xff)]
    [InlineData(0x1234u, 0x69)]
    public void A_status_past_8_bits_exits_with_its_low_byte_and_says_so(uint value, int exitCode)
    {
        using var exit = DeviceHarness.Create<IsaDebugExit>(new() { ["iosize"] = "2" });
        exit.Write(0, 2, value);

        Assert.Equal(exitCode, exit.Vm.ExitCode);
        Assert.Contains(exit.Log.Messages(), m => m.Contains($"exit code {exitCode}") && !m.Contains("exit code 257"));
        Assert.Contains("low 8 bits", exit.Vm.StopRequests[0].Reason);
    }
}
