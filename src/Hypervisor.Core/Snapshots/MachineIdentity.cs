using System.Security.Cryptography;
using System.Text;
using Hypervisor.Core.Machine;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Snapshots;

/// <summary>
/// What makes two machine files the same machine for a snapshot: the resolved machine (after
/// <c>--set</c> and environment overrides) as far as the guest can see it — vCPUs, RAM, boot format
/// (and a firmware image's contents), clock, irqchip and every device entry with its placement and
/// options — hashed with SHA-256.
/// Limits, logging and plugin folders are left out: a snapshot may resume under another limit.
/// </summary>
public static class MachineIdentity
{
    public static string Of(MachineConfig config)
    {
        var text = new StringBuilder();
        text.Append("vcpus=").Append(config.Vcpus).Append('\n');
        foreach (var ram in config.Memory)
            text.Append($"memory {ram.Base:x} {ram.Size:x}\n");
        text.Append("boot=").Append(config.Boot.Format).Append('\n');
        // A firmware machine resumes inside its ROM (and in RAM the ROM filled): only the same image will do.
        if (config.Boot.Format == Boot.FirmwareLoader.FormatName && config.Boot.Image is { } firmware && File.Exists(firmware))
            text.Append("firmware=").Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(firmware)))).Append('\n');
        text.Append("clock=").Append(config.Clock).Append('\n');
        text.Append("irqchip=").Append(config.Irqchip).Append('\n');
        foreach (var device in config.Devices)
        {
            text.Append($"device {device.Name} type={device.Type} ports={device.Ports} mmio={device.Mmio} irq={device.Irq}\n");
            foreach (var (window, address) in device.Windows.OrderBy(w => w.Key, StringComparer.Ordinal))
                text.Append($"  window {window}={address:x}\n");
            foreach (var option in device.Options.AsEnumerable(makePathsRelative: true).Where(o => o.Value != null).OrderBy(o => o.Key, StringComparer.Ordinal))
                text.Append($"  option {option.Key}={option.Value}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
