using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// <c>"format": "linux"</c>: reads the bzImage and the initrd named by the machine file and hands them
/// to <see cref="LinuxBzImage"/>; every problem becomes a <see cref="BootImageException"/> naming the file.
/// </summary>
public sealed class LinuxKernelLoader : IBootLoader
{
    public string Format => "linux";

    public BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null)
    {
        string kernelPath = boot.Kernel ?? throw new BootImageException("boot.kernel: no bzImage given");
        byte[] kernel = Read(kernelPath, "kernel");
        byte[] initrd = boot.Initrd is { } initrdPath ? Read(initrdPath, "initrd") : [];
        try
        {
            return LinuxBzImage.Load(memory, kernel, CommandLine(boot.CommandLine, platform), initrd, platform: platform);
        }
        catch (BootImageException e)
        {
            throw new BootImageException($"kernel '{kernelPath}': {e.Message}");
        }
    }

    /// <summary>The machine file's command line, then what the devices add (virtio-mmio devices, as Firecracker does).</summary>
    public static string CommandLine(string machineFile, BootPlatform? platform)
        => platform is { KernelArguments.Length: > 0 } ? (machineFile.Length > 0 ? machineFile + " " : "") + platform.KernelArguments : machineFile;

    private static byte[] Read(string path, string what)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootImageException($"{what} '{path}' cannot be read: {e.Message}");
        }
    }
}
