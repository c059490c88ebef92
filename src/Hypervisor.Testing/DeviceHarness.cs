using System.Reflection;
using System.Runtime.ExceptionServices;
using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Abstractions.Pci;
using Microsoft.Extensions.Configuration;
using Serilog;

namespace Hypervisor.Testing;

/// <summary>
/// Builds a device the way the machine does (from its options) and lets a test drive it without a
/// CPU, like QEMU's qtest: port and MMIO accesses, its interrupt line, its character backends, the
/// clock, the regions it mapped (PCI BARs) and what it asked of the VM.
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
    /// <c>"options"</c>; nested keys with ':'). A backend option that is absent or <c>"memory"</c>
    /// gets a <see cref="MemoryCharBackend"/>; any other spec opens the real backend.
    /// Throws the device's <see cref="DeviceConfigurationException"/> unchanged.
    /// </summary>
    public static DeviceHarness<TDevice> Create<TDevice>(Dictionary<string, string?>? options = null, DeviceHarnessSettings? settings = null)
        where TDevice : class, IDevice
        => new(options ?? [], settings ?? new DeviceHarnessSettings());

    /// <summary>The device type name from the class's [Device] attribute.</summary>
    public static string DeviceTypeOf(Type deviceClass)
        => deviceClass.GetCustomAttribute<DeviceAttribute>()?.Type
           ?? throw new ArgumentException($"{deviceClass.Name} has no [Device(\"...\")] attribute");
}

/// <summary>A device under test and everything around it. See <see cref="DeviceHarness"/>.</summary>
public sealed class DeviceHarness<TDevice> : IDisposable where TDevice : class, IDevice
{
    /// <summary>The spec that selects an in-memory backend explicitly.</summary>
    public const string MemoryBackendSpec = "memory";

    private readonly Dictionary<string, ICharBackend> _backends = [];

    internal DeviceHarness(Dictionary<string, string?> options, DeviceHarnessSettings settings)
    {
        string type = DeviceHarness.DeviceTypeOf(typeof(TDevice));
        if (settings.RejectUndeclaredOptions)
            RejectUndeclaredOptions(type, options);

        Irq = new ObservableInterruptLine(settings.Irq);
        Clock = new ManualClock();
        Vm = new RecordingVmControl();
        Log = new LogCapture();
        Buses = new HarnessBuses();
        Memory = new ArrayGuestMemory(settings.MemoryBase, settings.MemorySize);
        Options = new ConfigurationBuilder().AddInMemoryCollection(options).Build();
        string name = settings.Name ?? type;
        string baseDirectory = settings.BaseDirectory;
        Context = new DeviceContext
        {
            Name = name,
            Options = Options,
            Logger = new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(Log).CreateLogger().ForContext("Device", name),
            Irq = Irq,
            Memory = Memory,
            Clock = Clock,
            Vm = Vm,
            Buses = Buses,
            PortBase = settings.PortBase,
            MmioBase = settings.MmioBase,
            BaseDirectory = baseDirectory,
            OpenBackend = (option, defaultSpec) => OpenBackend(option, baseDirectory),
        };
        Device = Construct(Context);
    }

    public TDevice Device { get; }

    public DeviceContext Context { get; }

    public IConfiguration Options { get; }

    public ObservableInterruptLine Irq { get; }

    public ManualClock Clock { get; }

    public RecordingVmControl Vm { get; }

    public LogCapture Log { get; }

    /// <summary>The regions the device mapped at run time (PCI BARs), with guest-physical accesses to them.</summary>
    public HarnessBuses Buses { get; }

    /// <summary>
    /// The PCI function the device added at <paramref name="address"/> (as the <c>pci-host</c> reaches
    /// it), for configuration reads and writes; throws when there is none.
    /// </summary>
    public IPciFunction PciFunction(PciAddress address)
        => PciBus.For(Context).Find(address) ?? throw new InvalidOperationException($"the device added no PCI function at {address}");

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

    public void Dispose() => Device.Dispose();

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

    private ICharBackend OpenBackend(string option, string baseDirectory)
    {
        string? spec = Options[option];
        ICharBackend backend = spec is null or "" or MemoryBackendSpec
            ? new MemoryCharBackend()
            : CharBackends.Open(spec, baseDirectory);
        _backends[option] = backend;
        return backend;
    }

    private static void RejectUndeclaredOptions(string type, Dictionary<string, string?> options)
    {
        var declared = typeof(TDevice).GetCustomAttributes<DeviceOptionAttribute>().Select(o => o.Name).ToHashSet();
        foreach (string key in options.Keys)
        {
            string option = key.Split(':')[0];
            if (!declared.Contains(option))
            {
                string known = declared.Count == 0 ? "none" : string.Join(", ", declared.Order());
                throw new DeviceConfigurationException(option, $"device '{type}' has no option '{option}' (options: {known})");
            }
        }
    }

    private static TDevice Construct(DeviceContext context)
    {
        var constructor = typeof(TDevice).GetConstructor([typeof(DeviceContext)])
            ?? throw new InvalidOperationException($"{typeof(TDevice).Name} needs a public constructor taking a DeviceContext");
        try
        {
            return (TDevice)constructor.Invoke([context]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw; // unreachable
        }
    }
}
