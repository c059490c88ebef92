using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Core.Bus;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Plugins;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The machine's devices, built from the machine file's entries through the plugin catalog and
/// placed on the port and MMIO buses, with the services every device of the machine shares (the
/// PCI bus, the A20 gate, the bus mapper). The services exist before the first device, so the
/// order of the entries does not matter. Every problem with an entry (unknown type, unknown or bad
/// option, overlapping ranges, MMIO on RAM, interrupt lines) is found here, before the VM starts,
/// and reported with its JSON path.
/// </summary>
public sealed class MachineDevices : IDisposable
{
    private readonly List<DeviceInstance> _devices = [];
    private readonly Dictionary<string, DeviceInstance> _regionOwners = new(StringComparer.Ordinal);
    // The host backends each entry opened, by option: a swapped-in instance takes them over.
    private readonly Dictionary<(string Entry, string Option), SharedBackend> _backends = [];
    private Environment _env = null!;

    private MachineDevices(ILogger logger)
    {
        Buses = new MachineBuses(Ports, Mmio, logger.ForContext("SourceContext", "buses"));
    }

    public PortBus Ports { get; } = new();

    public MmioBus Mmio { get; } = new();

    /// <summary>Maps the regions devices move at run time (PCI BARs) on <see cref="Ports"/> and <see cref="Mmio"/>.</summary>
    public MachineBuses Buses { get; }

    /// <summary>The machine's PCI bus.</summary>
    public PciBus Pci { get; } = new();

    /// <summary>The machine's A20 gate; the machine forwards its changes to the vCPUs.</summary>
    public A20Gate A20 { get; } = new();

    public IReadOnlyList<DeviceInstance> Devices => _devices;

    /// <summary>The device that takes interrupt lines and drives the CPU's INTR, if the machine has one.</summary>
    public IInterruptController? InterruptController { get; private set; }

    /// <summary>
    /// Everything a device context needs from the machine. <c>WaitForClients</c> is false for
    /// <c>minivmm check</c>, so socket backends do not wait for a client.
    /// </summary>
    public sealed record Environment(IGuestMemory Memory, IClock Clock, IVmControl Vm, InterruptRouter Irqs, ILogger Logger, string BaseDirectory,
        bool WaitForClients = true)
    {
        /// <summary>The shadow RAM switches a chipset device may flip (the firmware's map), or none.</summary>
        public IMemoryMap MemoryMap { get; init; } = NoMemoryMap.Instance;

        /// <summary>The APIC bus of a machine with <c>"apic": true</c>, or null.</summary>
        public IApicBus? Apic { get; init; }

        /// <summary>Doorbells for the accelerator to catch (the VM's ioeventfd once it exists), or null.</summary>
        public IIoEvents? IoEvents { get; init; }
    }

    public static MachineDevices Build(MachineConfig config, PluginCatalog catalog, Environment env)
    {
        var machine = new MachineDevices(env.Logger) { _env = env };
        var problems = new List<string>();
        try
        {
            foreach (var entry in config.Devices)
                machine.Add(entry, catalog, env, problems);
            // What a missing entry would change (a host, a controller) is only judged once every entry built.
            bool complete = problems.Count == 0;
            if (complete)
                machine.CheckPciFunctionsHaveAHost(problems);
            machine.CheckMmioIsNotOnRam(config, problems);
            problems.AddRange(InterruptWiring.Problems(machine._devices, machine.InterruptController != null, config.Irqchip, complete));
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
    private void CheckPciFunctionsHaveAHost(List<string> problems)
    {
        if (Pci.HostOwner != null)
            return;
        foreach (var (address, owner) in Pci.Functions)
        {
            var entry = _devices.FirstOrDefault(d => d.Config.Name == owner);
            problems.Add($"{entry?.Config.JsonPath ?? owner}: '{owner}' is a PCI function ({address}) but the machine has no pci-host entry, so the guest could not reach it (add {{ \"type\": \"pci-host\" }})");
        }
    }

    /// <summary>RAM answers before MMIO, so a device window on RAM would never see an access: a machine-file error.</summary>
    private void CheckMmioIsNotOnRam(MachineConfig config, List<string> problems)
    {
        foreach (var region in Mmio.Registrations)
        {
            for (int i = 0; i < config.Memory.Count; i++)
            {
                var ram = config.Memory[i];
                if (region.Base < ram.Base + ram.Size && ram.Base < region.End)
                {
                    var owner = OwnerOf(region.Name);
                    problems.Add($"{owner?.Config.JsonPath ?? region.Name}: '{region.Name}' (MMIO {region.Range}) lies on RAM (memory[{i}], 0x{ram.Base:x}-0x{ram.Base + ram.Size - 1:x}), " +
                        "which answers those addresses first; move it outside guest RAM");
                }
            }
        }
    }

    private void Add(DeviceConfig entry, PluginCatalog catalog, Environment env, List<string> problems)
    {
        var type = catalog.Find(entry.Type);
        if (type == null && RetiredDeviceTypes.Successor(entry.Type) is { } successor)
        {
            problems.Add($"{entry.JsonPath}.type: '{entry.Type}' is no longer a device type: {successor}");
            return;
        }
        if (type == null)
        {
            string known = string.Join(", ", catalog.DeviceTypes.Select(t => t.Name).Order());
            problems.Add($"{entry.JsonPath}.type: unknown device type '{entry.Type}' (plugins provide: {known}; searched {string.Join(", ", catalog.Directories)})");
            return;
        }
        int before = problems.Count;
        foreach (var (option, message) in DeviceBuilder.OptionProblems(type, entry.Options))
            problems.Add($"{entry.JsonPath}.options.{option}: {message}");
        foreach (var (window, message) in DeviceBuilder.WindowProblems(type, entry.Windows))
            problems.Add($"{entry.JsonPath}.windows.{window}: {message}");
        ushort? port = entry.Ports ?? type.DefaultPort;
        ulong? mmio = entry.Mmio ?? type.DefaultMmio;
        if (type.IsPortDevice && port == null)
            problems.Add($"{entry.JsonPath}: device type '{type.Name}' sits on the port bus and needs \"ports\" (it has no standard port)");
        if (type.IsMmioDevice && mmio == null)
            problems.Add($"{entry.JsonPath}: device type '{type.Name}' is memory-mapped and needs \"mmio\" (it has no standard address)");
        if (!type.IsPortDevice && entry.Ports != null)
            problems.Add($"{entry.JsonPath}.ports: device type '{type.Name}' is not a port device");
        if (!type.IsMmioDevice && entry.Mmio != null)
            problems.Add($"{entry.JsonPath}.mmio: device type '{type.Name}' is not a memory-mapped device");
        if (problems.Count > before)
            return;

        int? irq = entry.Irq ?? type.DefaultIrq;
        var windows = new EntryWindows(type, entry.Name, entry.Windows);
        var context = ContextFor(entry, type, port, mmio, irq, windows, env);

        IDevice device;
        try
        {
            device = DeviceBuilder.Construct(type, context);
        }
        catch (DeviceConfigurationException bad)
        {
            string at = bad.Option.Length > 0 ? $"{entry.JsonPath}.options.{bad.Option}" : entry.JsonPath;
            problems.Add($"{at}: {type.Name} '{entry.Name}': {bad.Message}");
            return;
        }
        catch (Exception e)
        {
            throw new DeviceLoadException($"{entry.JsonPath}: device '{entry.Name}' ({type.Name}, plugin {type.PluginName}) failed to start: {e.GetType().Name}: {e.Message}");
        }

        var instance = new DeviceInstance(entry, type, device) { Irq = irq, Port = port, MmioBase = mmio };
        _devices.Add(instance);
        if (windows.Missing.ToList() is { Count: > 0 } missing)
            throw new DeviceLoadException($"{entry.JsonPath}: device '{entry.Name}' ({type.Name}, plugin {type.PluginName}) declares window(s) {string.Join(", ", missing)} but did not supply them");
        Place(instance, port, mmio, windows, problems);

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
        else if (device is IInterruptLineSink sink)
            env.Irqs.Attach(sink.SetInput); // an I/O APIC: the same lines as the 8259s
    }

    /// <summary>What a device of <paramref name="type"/> built for <paramref name="entry"/> gets from the machine.</summary>
    private DeviceContext ContextFor(DeviceConfig entry, DeviceType type, ushort? port, ulong? mmio, int? irq, EntryWindows windows, Environment env,
        Func<IInterruptLine, IInterruptLine>? wrapLine = null)
        => new()
        {
            Name = entry.Name,
            Options = entry.Options,
            Logger = env.Logger.ForContext("SourceContext", entry.Name),
            PortBase = type.IsPortDevice ? port : null,
            MmioBase = type.IsMmioDevice ? mmio : null,
            BaseDirectory = env.BaseDirectory,
            Irq = irq is { } line ? (wrapLine ?? (l => l))(env.Irqs.Line(line)) : DisconnectedInterruptLine.Instance,
            Memory = env.Memory,
            Clock = env.Clock,
            Windows = windows,
            Buses = Buses,
            Pci = Pci,
            A20 = A20,
            Vm = env.Vm,
            MemoryMap = env.MemoryMap,
            Apic = env.Apic,
            IoEvents = env.IoEvents,
            OpenBackend = (option, fallback) => OpenShared(entry, option, fallback, env),
        };

    /// <summary>The entry's backend for <paramref name="option"/>, opened once and leased to each instance that asks.</summary>
    private ICharBackend OpenShared(DeviceConfig entry, string option, string fallback, Environment env)
    {
        lock (_backends)
        {
            if (!_backends.TryGetValue((entry.Name, option), out var shared))
            {
                shared = new SharedBackend(CharBackends.Open(entry.Options[option] ?? fallback, env.BaseDirectory, env.Logger, env.WaitForClients));
                _backends.Add((entry.Name, option), shared);
            }
            return shared.Lease();
        }
    }

    /// <summary>
    /// Builds a new instance of <paramref name="old"/>'s entry from <paramref name="type"/> (a new build of
    /// its plugin), with the context the old one got; its backends are the old one's. Nothing is placed yet,
    /// and its interrupt line is held back until <paramref name="line"/> is released (after it loaded the old state).
    /// </summary>
    internal (IDevice Device, EntryWindows Windows) BuildReplacement(DeviceInstance old, DeviceType type, out HeldInterruptLine? line)
    {
        var windows = new EntryWindows(type, old.Config.Name, old.Config.Windows);
        HeldInterruptLine? held = null;
        var context = ContextFor(old.Config, type, old.Port, old.MmioBase, old.Irq, windows, _env, inner => held = new HeldInterruptLine(inner));
        line = held;
        var device = DeviceBuilder.Construct(type, context);
        if (windows.Missing.ToList() is { Count: > 0 } missing)
        {
            device.Dispose();
            throw new DeviceLoadException($"the new build of '{old.Config.Name}' declares window(s) {string.Join(", ", missing)} but did not supply them");
        }
        return (device, windows);
    }

    /// <summary>
    /// Moves every bus region of <paramref name="old"/> (its main range and windows) to <paramref name="replacement"/>;
    /// call with every vCPU parked. The old instance is not disposed here.
    /// </summary>
    internal void Exchange(DeviceInstance old, DeviceInstance replacement, EntryWindows windows)
    {
        var handlers = new Dictionary<string, IDevice> { [old.Config.Name] = replacement.Device };
        foreach (var window in windows.Supplied)
            handlers[window.RegionName] = window.Handler;
        // Everything is checked before anything moves, so a build that does not fit leaves the old one in place.
        var ports = Ports.Registrations.Where(r => OwnerOf(r.Name) == old)
            .Select(r => (Region: r, Handler: handlers.GetValueOrDefault(r.Name) as IPortDevice)).ToList();
        var mmio = Mmio.Registrations.Where(r => OwnerOf(r.Name) == old)
            .Select(r => (Region: r, Handler: handlers.GetValueOrDefault(r.Name) as IMmioDevice)).ToList();
        foreach (var (region, handler) in ports)
        {
            if (handler == null || (ulong)handler.PortCount != region.Size)
                throw new DeviceLoadException($"the new build of '{old.Config.Name}' does not decode {region.Name}'s ports {region.Range} as the old one did");
        }
        foreach (var (region, handler) in mmio)
        {
            if (handler == null || handler.MmioSize != region.Size)
                throw new DeviceLoadException($"the new build of '{old.Config.Name}' does not decode {region.Name}'s MMIO {region.Range} as the old one did");
        }
        var inputs = ExchangeInputs(old, replacement);
        foreach (var (region, handler) in ports)
            Ports.Replace(region, handler!);
        foreach (var (region, handler) in mmio)
            Mmio.Replace(region, handler!);
        foreach (var name in _regionOwners.Where(o => o.Value == old).Select(o => o.Key).ToList())
            _regionOwners[name] = replacement;
        _devices[_devices.IndexOf(old)] = replacement;
        inputs?.Invoke();
    }

    /// <summary>
    /// For a device that takes interrupt lines (the interrupt controller, an I/O APIC): checks that the
    /// new build takes them too and returns the step that moves the lines (and the controller role) to it.
    /// </summary>
    private Action? ExchangeInputs(DeviceInstance old, DeviceInstance replacement)
    {
        if (old.Device is IInterruptController oldController)
        {
            if (replacement.Device is not IInterruptController newController)
                throw new DeviceLoadException($"the new build of '{old.Config.Name}' is no longer an interrupt controller (IInterruptController)");
            return () =>
            {
                _env.Irqs.Replace(oldController.SetInput, newController.SetInput);
                InterruptController = newController;
            };
        }
        if (old.Device is IInterruptLineSink oldSink)
        {
            if (replacement.Device is not IInterruptLineSink newSink)
                throw new DeviceLoadException($"the new build of '{old.Config.Name}' no longer takes interrupt lines (IInterruptLineSink)");
            return () => _env.Irqs.Replace(oldSink.SetInput, newSink.SetInput);
        }
        return null;
    }

    /// <summary>Claims the device's main range and each of its windows; an overlap is a problem naming both owners.</summary>
    private void Place(DeviceInstance instance, ushort? port, ulong? mmio, EntryWindows windows, List<string> problems)
    {
        var entry = instance.Config;
        _regionOwners[entry.Name] = instance;
        try
        {
            if (instance.Device is IPortDevice ports && port is { } p)
                Ports.Register(p, ports, entry.Name);
            if (instance.Device is IMmioDevice memory && mmio is { } m)
                Mmio.Register(m, memory, entry.Name);
        }
        catch (BusConflictException e)
        {
            problems.Add($"{entry.JsonPath}: {e.Message}");
        }
        foreach (var window in windows.Supplied)
        {
            _regionOwners[window.RegionName] = instance;
            try
            {
                if (window.Handler is IPortDevice handler)
                    Ports.Register((ushort)window.Base, handler, window.RegionName);
                else
                    Mmio.Register(window.Base, (IMmioDevice)window.Handler, window.RegionName);
            }
            catch (BusConflictException e)
            {
                string at = window.Moved ? $"{entry.JsonPath}.windows.{window.Declaration.Name}" : $"{entry.JsonPath} (window '{window.Declaration.Name}')";
                problems.Add($"{at}: {e.Message}");
            }
        }
    }

    /// <summary>The entry that owns <paramref name="device"/>.</summary>
    public DeviceInstance? Describe(IDevice device) => _devices.FirstOrDefault(d => ReferenceEquals(d.Device, device));

    /// <summary>The entry that placed the bus region named <paramref name="regionName"/> (its main range or a window such as <c>pic.slave</c>).</summary>
    public DeviceInstance? OwnerOf(string regionName) => _regionOwners.GetValueOrDefault(regionName);

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

/// <summary>A built device with the entry it came from and the interrupt line it drives (the entry's or its type's default), if any.</summary>
public sealed record DeviceInstance(DeviceConfig Config, DeviceType Type, IDevice Device)
{
    public int? Irq { get; init; }

    /// <summary>The base port of its main range (the entry's or its type's), or null.</summary>
    public ushort? Port { get; init; }

    /// <summary>Where the device's MMIO range sits (its entry's or its type's base), or null.</summary>
    public ulong? MmioBase { get; init; }
}
