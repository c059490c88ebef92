using System.Reflection;
using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Core.Bus;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's devices, built from the machine file's entries through the plugin catalog and
/// placed on the port and MMIO buses. Every problem with an entry (unknown type, unknown or bad
/// option, overlapping ranges) is found here, before the VM starts, and reported with its JSON path.
/// </summary>
public sealed class MachineDevices : IDisposable
{
    private readonly List<DeviceInstance> _devices = [];
    private MachineBuses? _buses;

    public PortBus Ports { get; } = new();

    public MmioBus Mmio { get; } = new();

    public IReadOnlyList<DeviceInstance> Devices => _devices;

    /// <summary>The device that takes interrupt lines and drives the CPU's INTR, if the machine has one.</summary>
    public IInterruptController? InterruptController { get; private set; }

    /// <summary>
    /// Everything a device context needs from the machine. <c>WaitForClients</c> is false for
    /// <c>minivmm check</c>, so socket backends do not wait for a client.
    /// </summary>
    public sealed record Environment(IGuestMemory Memory, IClock Clock, IVmControl Vm, InterruptRouter Irqs, ILogger Logger, string BaseDirectory,
        bool WaitForClients = true);

    public static MachineDevices Build(MachineConfig config, PluginCatalog catalog, Environment env)
    {
        var machine = new MachineDevices();
        var problems = new List<string>();
        try
        {
            foreach (var entry in config.Devices)
                machine.Add(entry, catalog, env, problems);
            if (problems.Count == 0)
                CheckPciFunctionsHaveAHost(config, env.Vm, problems);
        }
        catch
        {
            machine.Dispose();
            throw;
        }
        if (problems.Count > 0)
        {
            machine.Dispose();
            throw new MachineFileException(config.FilePath, problems);
        }
        return machine;
    }

    /// <summary>PCI functions without a <c>pci-host</c> entry would be invisible to the guest: say so.</summary>
    private static void CheckPciFunctionsHaveAHost(MachineConfig config, IVmControl vm, List<string> problems)
    {
        if (PciBus.Existing(vm) is not { HostOwner: null } bus)
            return;
        foreach (var (address, owner) in bus.Functions)
        {
            var entry = config.Devices.FirstOrDefault(d => d.Name == owner);
            problems.Add($"{entry?.JsonPath ?? owner}: '{owner}' is a PCI function ({address}) but the machine has no pci-host entry, so the guest could not reach it (add {{ \"type\": \"pci-host\", \"ports\": \"0xcf8\" }})");
        }
    }

    private void Add(DeviceConfig entry, PluginCatalog catalog, Environment env, List<string> problems)
    {
        var type = catalog.Find(entry.Type);
        if (type == null)
        {
            string known = string.Join(", ", catalog.DeviceTypes.Select(t => t.Name).Order());
            problems.Add($"{entry.JsonPath}.type: unknown device type '{entry.Type}' (plugins provide: {known}; searched {string.Join(", ", catalog.Directories)})");
            return;
        }
        int before = problems.Count;
        foreach (var option in entry.Options.GetChildren())
        {
            if (!type.Options.Any(o => o.Name == option.Key))
                problems.Add($"{entry.JsonPath}.options.{option.Key}: device type '{type.Name}' has no option '{option.Key}'" +
                    (type.Options.Count > 0 ? $" (it takes: {string.Join(", ", type.Options.Select(o => o.Name))})" : " (it takes none)"));
        }
        if (type.IsPortDevice && entry.Ports == null)
            problems.Add($"{entry.JsonPath}: device type '{type.Name}' sits on the port bus and needs \"ports\"");
        if (type.IsMmioDevice && entry.Mmio == null)
            problems.Add($"{entry.JsonPath}: device type '{type.Name}' is memory-mapped and needs \"mmio\"");
        if (!type.IsPortDevice && entry.Ports != null)
            problems.Add($"{entry.JsonPath}.ports: device type '{type.Name}' is not a port device");
        if (!type.IsMmioDevice && entry.Mmio != null)
            problems.Add($"{entry.JsonPath}.mmio: device type '{type.Name}' is not a memory-mapped device");
        if (problems.Count > before)
            return;

        _buses ??= new MachineBuses(Ports, Mmio, env.Logger.ForContext("SourceContext", "buses"));
        var context = new DeviceContext
        {
            Buses = _buses,
            Name = entry.Name,
            Options = entry.Options,
            Logger = env.Logger.ForContext("SourceContext", entry.Name),
            PortBase = entry.Ports,
            MmioBase = entry.Mmio,
            BaseDirectory = env.BaseDirectory,
            Irq = entry.Irq is { } irq ? env.Irqs.Line(irq) : DisconnectedInterruptLine.Instance,
            Memory = env.Memory,
            Clock = env.Clock,
            Vm = env.Vm,
            OpenBackend = (option, fallback) => CharBackends.Open(entry.Options[option] ?? fallback, env.BaseDirectory, env.Logger, env.WaitForClients),
        };

        IDevice device;
        try
        {
            device = (IDevice)type.Constructor!.Invoke([context]);
        }
        catch (TargetInvocationException e) when (e.InnerException is DeviceConfigurationException bad)
        {
            string at = bad.Option.Length > 0 ? $"{entry.JsonPath}.options.{bad.Option}" : entry.JsonPath;
            problems.Add($"{at}: {type.Name} '{entry.Name}': {bad.Message}");
            return;
        }
        catch (TargetInvocationException e)
        {
            var inner = e.InnerException ?? e;
            throw new DeviceLoadException($"{entry.JsonPath}: device '{entry.Name}' ({type.Name}, plugin {type.PluginName}) failed to start: {inner.GetType().Name}: {inner.Message}");
        }

        var instance = new DeviceInstance(entry, type, device);
        _devices.Add(instance);
        try
        {
            if (entry.Ports is { } port)
                Ports.Register(port, (IPortDevice)device, entry.Name);
            if (entry.Mmio is { } mmio)
                Mmio.Register(mmio, (IMmioDevice)device, entry.Name);
        }
        catch (BusConflictException e)
        {
            problems.Add($"{entry.JsonPath}: {e.Message}");
        }

        if (device is IInterruptController controller)
        {
            if (InterruptController != null)
                problems.Add($"{entry.JsonPath}: a machine has one interrupt controller; '{entry.Name}' would be the second");
            else
            {
                InterruptController = controller;
                env.Irqs.Attach(controller.SetInput);
            }
        }
    }

    /// <summary>The entry that owns <paramref name="device"/>.</summary>
    public DeviceInstance? Describe(IDevice device) => _devices.FirstOrDefault(d => ReferenceEquals(d.Device, device));

    /// <summary>Flushes every device's output (called when the VM stops).</summary>
    public void FlushAll(ILogger logger)
    {
        foreach (var d in _devices)
        {
            try
            {
                d.Device.Flush();
            }
            catch (Exception e)
            {
                logger.Warning("Device {Device} failed to flush: {Message}", d.Config.Name, e.Message);
            }
        }
    }

    public void Dispose()
    {
        foreach (var d in _devices)
        {
            try
            {
                d.Device.Dispose();
            }
            catch (Exception)
            {
                // A device that fails to release is not worth masking the real outcome.
            }
        }
        _devices.Clear();
    }
}

/// <summary>A built device with the entry it came from.</summary>
public sealed record DeviceInstance(DeviceConfig Config, DeviceType Type, IDevice Device);
