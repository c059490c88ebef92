using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>What devices add to a Linux command line (virtio-mmio's virtio_mmio.device=, as Firecracker does).</summary>
public class KernelArgumentsTests
{
    [Theory]
    [InlineData("console=ttyS0", "", "console=ttyS0")]
    [InlineData("console=ttyS0", "virtio_mmio.device=4K@0xd0000000:5", "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5")]
    [InlineData("", "virtio_mmio.device=4K@0xd0000000:5", "virtio_mmio.device=4K@0xd0000000:5")]
    public void Device_arguments_follow_the_machine_files_command_line(string machineFile, string devices, string expected)
    {
        var platform = new BootPlatform { KernelArguments = devices };
        Assert.Equal(expected, LinuxKernelLoader.CommandLine(machineFile, platform));
    }

    [Fact]
    public void Without_a_platform_the_command_line_is_the_machine_files()
    {
        Assert.Equal("quiet", LinuxKernelLoader.CommandLine("quiet", null));
    }
}
