using Hypervisor.Abstractions;
using Hypervisor.Core.Runtime;

namespace Hypervisor.Core.Snapshots;

/// <summary>
/// Hot-swaps a device plugin: loads a new build of the plugin that provides a device, builds a new
/// instance of the same machine-file entry from it, and — with every vCPU parked between two
/// instructions — hands the old instance's state to the new one through <see cref="IDeviceState"/>
/// and moves the device's bus regions to it in one step, so the next guest access reaches the new
/// build. The new instance takes over the old one's host backends and, for the interrupt controller
/// or an I/O APIC, the machine's interrupt lines (and the vCPUs' INTR); the old one is then disposed.
/// On any failure the old instance stays in place and the machine runs on unchanged.
/// </summary>
public static class DeviceSwap
{
    /// <summary>
    /// Swaps device <paramref name="name"/> for the build at <paramref name="pluginPath"/> (null: the plugin
    /// file it came from, rebuilt in place). Returns what happened in one line; throws <see cref="SnapshotException"/>,
    /// <see cref="Plugins.PluginLoadException"/> or <see cref="DeviceLoadException"/>.
    /// </summary>
    public static string Swap(Vmm vmm, string name, string? pluginPath)
    {
        var old = vmm.Devices.Devices.FirstOrDefault(d => d.Config.Name == name)
            ?? throw new SnapshotException($"no device named '{name}' (this machine has: {string.Join(", ", vmm.Devices.Devices.Select(d => d.Config.Name))})");
        string what = $"'{name}' ({old.Type.Name}, plugin {old.Type.PluginName})";
        if (old.Device is not IDeviceState oldState)
            throw new SnapshotException($"device {what} cannot hand over its state: it does not implement IDeviceState");
        if (vmm.Devices.Pci.Functions.Any(f => f.Owner == name))
            throw new SnapshotException($"device {what} is a PCI function, which cannot be swapped yet (its BARs are mapped by the device itself)");

        var type = vmm.Catalog.LoadBuild(pluginPath ?? old.Type.PluginPath, old.Type.Name);
        string from = MachineSnapshot.PluginVersion(old.Type.ClrType);
        string to = MachineSnapshot.PluginVersion(type.ClrType);
        return vmm.Pause.Run(() =>
        {
            var saved = new StateWriter();
            oldState.SaveState(saved);
            var (device, windows) = vmm.Devices.BuildReplacement(old, type, out var line);
            try
            {
                if (device is not IDeviceState fresh)
                    throw new SnapshotException($"the new build of {what} does not implement IDeviceState, so it cannot take the old one's state");
                var reader = new StateReader(saved.ToArray());
                try
                {
                    fresh.LoadState(reader, oldState.StateVersion);
                }
                catch (StateFormatException e)
                {
                    throw new SnapshotException($"the new build of {what} cannot load the state of the old one (version {oldState.StateVersion}): {e.Message}");
                }
                if (reader.Remaining != 0)
                    throw new SnapshotException($"the new build of {what} left {reader.Remaining} bytes of the old one's state (version {oldState.StateVersion}) unread");
                vmm.Devices.Exchange(old, old with { Type = type, Device = device }, windows);
                if (old.Device is IInterruptController)
                {
                    // The vCPUs poll the controller for INTR (with a local APIC, through LINT0): point them at the new one.
                    foreach (var loop in vmm.Vcpus)
                        loop.Vcpu.InterruptController = vmm.Devices.InterruptController;
                }
                line?.Release();
            }
            catch
            {
                device.Dispose();
                throw;
            }
            old.Device.Dispose();
            return $"swapped {name}: {old.Type.PluginName} {from} -> {type.PluginName} {to} (state version {oldState.StateVersion} -> {((IDeviceState)device).StateVersion})";
        }, VcpuPause.DefaultTimeout);
    }
}
