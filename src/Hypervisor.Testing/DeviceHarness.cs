using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Core.Plugins;
using Hypervisor.Core.Runtime;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Hypervisor.Testing;

/// <summary>
/// Builds a device the way the machine does (the machine's own <see cref="DeviceBuilder"/>: option
/// checks, construction, windows) and lets a test drive it without a CPU, like QEMU's qtest: port
/// and MMIO accesses, its interrupt line, its character backends, the clock, the regions it mapped
/// (PCI BARs), the machine services (PCI bus, A20 gate) and what it asked of the VM.
/// <code>
/// using var uart = DeviceHarness.Create&lt;Uart16550Device&gt;();
/// uart.Out(0, (byte)'A');
/// Assert.Equal("A", uart.Backend.OutputText);
/// </code>
/// </summary>
public static class DeviceHarness
{
    /// <summary>
    /// Creates <typeparamref name="TDevice"/> with <paramref name="options"/> (keys as in the entry's
    /// <c>"options"</c>). A backend option that is absent or <c>"memory"</c> gets a
    /// <see cref="MemoryCharBackend"/>; any other spec opens the real backend. The device is placed on
    /// the harness's buses at its entry's or its type's standard range, with its windows.
    /// Throws the device's <see cref="DeviceConfigurationException"/> unchanged.
    /// </summary>
    public static DeviceHarness<TDevice> Create<TDevice>(Dictionary<string, string?>? options = null, DeviceHarnessSettings? settings = null)
        where TDevice : class, IDevice
        => new(options ?? [], settings ?? new DeviceHarnessSettings());

    /// <summary>The device type name from the class's [Device] attribute.</summary>
    public static string DeviceTypeOf(Type deviceClass) => DeviceType.Of(deviceClass).Name;
}

/// <summary>A device under test and the machine around it. See <see cref="DeviceHarness"/>.</summary>
public sealed class DeviceHarness<TDevice> : IDisposable where TDevice : class, IDevice
{
    /// <summary>The spec that selects an in-memory backend explicitly.</summary>
    public const string MemoryBackendSpec = "memory";

    private readonly Dictionary<string, ICharBackend> _backends = [];
    private readonly Dictionary<string, IDevice> _windows = [];
    private readonly List<IDevice> _companions = [];
    private readonly DeviceHarnessSettings _settings;

    internal DeviceHarness(Dictionary<string, string?> options, DeviceHarnessSettings settings)
    {
        _settings = settings;
        var type = DeviceType.Of(typeof(TDevice));
        Clock = new ManualClock();
        Vm = new RecordingVmControl();
        Log = new LogCapture();
        Memory = new ArrayGuestMemory(settings.MemoryBase, settings.MemorySize);
        Buses = new HarnessBuses(new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Log).CreateLogger());
        Irq = new ObservableInterruptLine(settings.Irq ?? type.DefaultIrq ?? -1);
        Device = (TDevice)Build(type, options, settings.Name ?? type.Name, Irq, settings.PortBase, settings.MmioBase, settings.Windows, out var context, out var windows);
        Context = context;
        foreach (var window in windows.Supplied)
            _windows[window.Declaration.Name] = window.Handler;
        Options = context.Options;
    }

    public TDevice Device { get; }

    public DeviceContext Context { get; }

    public IConfiguration Options { get; }

    public ObservableInterruptLine Irq { get; }

    public ManualClock Clock { get; }

    public RecordingVmControl Vm { get; }

    public LogCapture Log { get; }

    /// <summary>The machine's buses: the device and its windows at their guest addresses, and the regions it mapped at run time (PCI BARs).</summary>
    public HarnessBuses Buses { get; }

    /// <summary>The machine's PCI bus.</summary>
    public PciBus Pci { get; } = new();

    /// <summary>The machine's A20 gate.</summary>
    public A20Gate A20 { get; } = new();

    /// <summary>
    /// The PCI function the device added at <paramref name="address"/> (as the <c>pci-host</c> reaches
    /// it), for configuration reads and writes; throws when there is none.
    /// </summary>
    public IPciFunction PciFunction(PciAddress address)
        => Pci.Find(address) ?? throw new InvalidOperationException($"the device added no PCI function at {address}");

    public ArrayGuestMemory Memory { get; }

    /// <summary>The in-memory backend the device opened for its <c>"backend"</c> option.</summary>
    public MemoryCharBackend Backend => BackendFor("backend");

    /// <summary>The in-memory backend the device opened for <paramref name="option"/>.</summary>
    public MemoryCharBackend BackendFor(string option)
    {
        if (!_backends.TryGetValue(option, out var backend))
            throw new InvalidOperationException($"the device opened no backend for option '{option}'");
        return backend as MemoryCharBackend
            ?? throw new InvalidOperationException($"option '{option}' opened a real backend ({backend.GetType().Name}), not an in-memory one");
    }

    /// <summary>Whatever backend (in-memory or real) the device opened for <paramref name="option"/>.</summary>
    public ICharBackend OpenedBackend(string option = "backend")
        => _backends.TryGetValue(option, out var backend)
            ? backend
            : throw new InvalidOperationException($"the device opened no backend for option '{option}'");

    /// <summary>The handler the device supplied for its port window <paramref name="window"/> (e.g. the 8259's <c>"slave"</c>); it takes offsets from the window's base.</summary>
    public IPortDevice PortWindow(string window)
        => _windows.GetValueOrDefault(window) as IPortDevice
            ?? throw new InvalidOperationException($"{typeof(TDevice).Name} supplied no port window '{window}'");

    /// <summary>The handler the device supplied for its MMIO window <paramref name="window"/>.</summary>
    public IMmioDevice MmioWindow(string window)
        => _windows.GetValueOrDefault(window) as IMmioDevice
            ?? throw new InvalidOperationException($"{typeof(TDevice).Name} supplied no MMIO window '{window}'");

    /// <summary>
    /// Builds another device of the same machine (same clock, VM, memory, buses, PCI bus and A20 gate),
    /// as a second entry of one machine file; it is placed on the buses and disposed with the harness.
    /// Throws its <see cref="DeviceConfigurationException"/> unchanged.
    /// </summary>
    public TOther AddDevice<TOther>(string name, Dictionary<string, string?>? options = null, IInterruptLine? irq = null, ushort? port = null)
        where TOther : class, IDevice
    {
        var type = DeviceType.Of(typeof(TOther));
        var device = (TOther)Build(type, options ?? [], name, irq ?? DisconnectedInterruptLine.Instance, port, null, new Dictionary<string, ulong>(), out _, out _);
        _companions.Add(device);
        return device;
    }

    private IPortDevice PortDevice => Device as IPortDevice
        ?? throw new InvalidOperationException($"{typeof(TDevice).Name} is not an IPortDevice");

    private IMmioDevice MmioDevice => Device as IMmioDevice
        ?? throw new InvalidOperationException($"{typeof(TDevice).Name} is not an IMmioDevice");

    /// <summary>A guest IN of <paramref name="size"/> bytes at <paramref name="offset"/> from the device's base.</summary>
    public uint Read(ushort offset, int size = 1)
    {
        CheckPortAccess(offset, size);
        return PortDevice.Read(offset, size);
    }

    /// <summary>A guest OUT of <paramref name="size"/> bytes at <paramref name="offset"/> from the device's base.</summary>
    public void Write(ushort offset, int size, uint value)
    {
        CheckPortAccess(offset, size);
        PortDevice.Write(offset, size, value);
    }

    /// <summary>A byte IN (the common case for ISA devices).</summary>
    public byte In(int offset) => (byte)Read((ushort)offset, 1);

    /// <summary>A byte OUT.</summary>
    public void Out(int offset, byte value) => Write((ushort)offset, 1, value);

    /// <summary>Byte OUTs of each of <paramref name="values"/> to the same offset (a REP OUTSB).</summary>
    public void Out(int offset, ReadOnlySpan<byte> values)
    {
        foreach (byte b in values)
            Out(offset, b);
    }

    /// <summary>A guest load of <paramref name="size"/> bytes at <paramref name="offset"/> in the device's MMIO window.</summary>
    public ulong ReadMmio(ulong offset, int size)
    {
        CheckMmioAccess(offset, size);
        return MmioDevice.Read(offset, size);
    }

    /// <summary>A guest store of <paramref name="size"/> bytes at <paramref name="offset"/> in the device's MMIO window.</summary>
    public void WriteMmio(ulong offset, int size, ulong value)
    {
        CheckMmioAccess(offset, size);
        MmioDevice.Write(offset, size, value);
    }

    /// <summary>Moves the device's clock forward.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    /// <summary>What the machine does when the VM stops: the device flushes its output.</summary>
    public void Flush() => Device.Flush();

    public void Dispose()
    {
        foreach (var companion in _companions)
            companion.Dispose();
        Device.Dispose();
    }

    private IDevice Build(DeviceType type, Dictionary<string, string?> options, string name, IInterruptLine irq,
        ushort? port, ulong? mmio, IReadOnlyDictionary<string, ulong> windowBases, out DeviceContext context, out EntryWindows windows)
    {
        var section = new ConfigurationBuilder()
            .AddInMemoryCollection(options.Select(o => new KeyValuePair<string, string?>($"options:{o.Key}", o.Value)))
            .Build().GetSection("options");
        if (_settings.RejectUndeclaredOptions && DeviceBuilder.OptionProblems(type, section).FirstOrDefault() is { Option: not null } problem)
            throw new DeviceConfigurationException(problem.Option, problem.Message);
        if (DeviceBuilder.WindowProblems(type, windowBases).FirstOrDefault() is { Window: not null } badWindow)
            throw new ArgumentException($"window '{badWindow.Window}': {badWindow.Message}");

        port ??= type.DefaultPort;
        mmio ??= type.DefaultMmio;
        windows = new EntryWindows(type, name, windowBases);
        string baseDirectory = _settings.BaseDirectory;
        context = new DeviceContext
        {
            Name = name,
            Options = section,
            Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Log).CreateLogger().ForContext("Device", name),
            Irq = irq,
            Memory = Memory,
            Clock = Clock,
            Vm = Vm,
            Buses = Buses,
            Windows = windows,
            Pci = Pci,
            A20 = A20,
            MemoryMap = _settings.MemoryMap,
            Apic = _settings.Apic,
            PortBase = type.IsPortDevice ? port : null,
            MmioBase = type.IsMmioDevice ? mmio : null,
            BaseDirectory = baseDirectory,
            OpenBackend = (option, _) => OpenBackend(section, option, baseDirectory),
        };
        var device = DeviceBuilder.Construct(type, context);

        // Placed as a machine places an entry; an overlap between a test's devices is a test bug and throws.
        if (device is IPortDevice ports && port is { } p)
            Buses.Ports.Register(p, ports, name);
        if (device is IMmioDevice memory && mmio is { } m)
            Buses.Mmio.Register(m, memory, name);
        foreach (var window in windows.Supplied)
        {
            if (window.Handler is IPortDevice handler)
                Buses.Ports.Register((ushort)window.Base, handler, window.RegionName);
            else
                Buses.Mmio.Register(window.Base, (IMmioDevice)window.Handler, window.RegionName);
        }
        return device;
    }

    private void CheckPortAccess(ushort offset, int size)
    {
        if (size is not (1 or 2 or 4))
            throw new ArgumentOutOfRangeException(nameof(size), size, "port accesses are 1, 2 or 4 bytes");
        if (offset + size > PortDevice.PortCount)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"a {size}-byte access at offset {offset} leaves the device's {PortDevice.PortCount} ports; the bus would not route it here");
    }

    private void CheckMmioAccess(ulong offset, int size)
    {
        if (size is not (1 or 2 or 4 or 8))
            throw new ArgumentOutOfRangeException(nameof(size), size, "MMIO accesses are 1, 2, 4 or 8 bytes");
        if (offset + (ulong)size > MmioDevice.MmioSize)
            throw new ArgumentOutOfRangeException(nameof(offset), offset,
                $"a {size}-byte access at 0x{offset:x} leaves the device's 0x{MmioDevice.MmioSize:x}-byte window");
    }

    private ICharBackend OpenBackend(IConfiguration options, string option, string baseDirectory)
    {
        string? spec = options[option];
        ICharBackend backend = spec is null or "" or MemoryBackendSpec
            ? new MemoryCharBackend()
            : CharBackends.Open(spec, baseDirectory);
        _backends[option] = backend;
        return backend;
    }
}
