using System.Diagnostics;
using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Plugins;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// One virtual machine assembled from a machine file: RAM slots, devices on their buses, the
/// loaded image, and one thread per vCPU running <see cref="VcpuLoop"/>. Everything that can be
/// wrong with the machine is found in <see cref="Create"/>, before any guest code runs.
/// </summary>
public sealed class Vmm : IDisposable
{
    private readonly ILogger _logger;
    private readonly List<IDisposable> _owned = [];
    private readonly List<VcpuLoop> _loops = [];
    private BootPlatform _platform = BootPlatform.Default;
    private InterruptRouter? _irqs;

    private Vmm(MachineConfig config, ILogger logger)
    {
        Config = config;
        _logger = logger;
        Control = new MachineControl(config.OnReset);
    }

    public MachineConfig Config { get; }

    public MachineControl Control { get; }

    public GuestMemory Memory { get; private set; } = null!;

    public MachineDevices Devices { get; private set; } = null!;

    /// <summary>The firmware ROM and its shadow region (boot format "bios"), or null.</summary>
    public FirmwareMemory? Firmware { get; private set; }

    public IReadOnlyList<VcpuLoop> Vcpus => _loops;

    /// <summary>The machine's clock (host time, or deterministic time from retired instructions).</summary>
    public MachineClock Clock { get; private set; } = null!;

    /// <summary>What the accelerator's VM holds of the machine outside vCPUs and devices (KVM's in-kernel irqchip), or null.</summary>
    public Accel.IVmState? VmState { get; private set; }

    /// <summary>Parks every vCPU between two instructions for an action (snapshots, device swaps).</summary>
    public VcpuPause Pause { get; } = new();

    /// <summary>The plugin catalog the devices came from (a device swap loads new builds beside it).</summary>
    public PluginCatalog Catalog { get; private set; } = null!;

    /// <summary>
    /// Builds the machine: checks it against the host and <paramref name="accelerator"/>, reserves RAM,
    /// builds the devices, loads the boot image and creates the VM and its vCPUs. Throws
    /// <see cref="MachineFileException"/> (bad entries, with JSON paths), <see cref="DeviceLoadException"/>,
    /// <see cref="BootImageException"/>, or the accelerator's own exception; nothing is left running.
    /// In <see cref="BuildMode.Validate"/> the same steps run, but backends do not wait for clients.
    /// </summary>
    public static Vmm Create(MachineConfig config, PluginCatalog catalog, IAccelerator accelerator, ILogger logger, BuildMode mode = BuildMode.Run)
    {
        config = UserSpaceIrqchip.Substitute(config, accelerator, logger);
        if (MachineChecks.Find(config, accelerator, HostMemory.Capacity()) is { Count: > 0 } problems)
            throw new MachineFileException(config.FilePath, problems);

        var vmm = new Vmm(config, logger);
        try
        {
            vmm.Assemble(catalog, accelerator, mode);
            return vmm;
        }
        catch
        {
            vmm.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Everything <see cref="Create"/> does before the first guest instruction, then takes the machine
    /// down again: what <c>minivmm check</c> runs, so it refuses exactly what a run would refuse.
    /// </summary>
    public static void Validate(MachineConfig config, PluginCatalog catalog, IAccelerator accelerator, ILogger logger)
    {
        using var vmm = Create(config, catalog, accelerator, logger, BuildMode.Validate);
    }

    private void Assemble(PluginCatalog catalog, IAccelerator accelerator, BuildMode mode)
    {
        Catalog = catalog;
        Memory = Own(ReserveMemory(Config));
        if (Config.Boot.Format == FirmwareLoader.FormatName)
            Firmware = Own(LoadFirmware());
        var irqs = _irqs = new InterruptRouter();
        IVcpu? boot0 = null;
        MachineClock clock = Own<MachineClock>(Config.Clock == ClockMode.Deterministic
            ? new DeterministicClock(() => boot0?.InstructionsRetired ?? 0)
            : new HostClock());
        Clock = clock;
        var apicBus = Config.Apic ? new Apic.ApicBus(irqs.Wake) : null;
        var ioEvents = Own(new IoEventRouter());
        var environment = new MachineDevices.Environment(Memory, clock, Control, irqs, _logger, Config.Directory,
            WaitForClients: mode == BuildMode.Run)
        {
            MemoryMap = Firmware ?? (Hypervisor.Abstractions.IMemoryMap)Hypervisor.Abstractions.NoMemoryMap.Instance,
            Apic = apicBus,
            IoEvents = ioEvents,
        };
        Devices = Own(MachineDevices.Build(Config, catalog, environment));
        Devices.Ports.UnclaimedAccess = (port, size, write) =>
            _logger.Debug("Unclaimed {Direction} port 0x{Port:x} size {Size}", write ? "OUT to" : "IN from", port, size);
        Devices.Mmio.UnclaimedAccess = (address, size, write) =>
            _logger.Debug("Unclaimed MMIO {Direction} 0x{Address:x} size {Size}", write ? "write to" : "read from", address, size);

        if (Config.Irqchip == IrqchipMode.Kernel && KernelIrqchipPorts.Conflicts(Devices).ToList() is { Count: > 0 } conflicts)
            throw new MachineFileException(Config.FilePath, conflicts);

        _platform = new BootPlatform(
            LongMode: accelerator.Features.HasFlag(AcceleratorFeatures.LongMode),
            Acpi: Devices.Devices.Select(d => d.Device).OfType<IAcpiFixedHardware>().FirstOrDefault())
        {
            KernelArguments = string.Join(" ", Devices.Devices.Select(d => d.Device).OfType<IKernelCommandLine>()
                .Select(d => d.KernelArguments).Where(a => a.Length > 0)),
            Apic = Config.Apic ? DescribeApics() : Config.Irqchip == IrqchipMode.Kernel ? KernelIrqchipApics.Describe(Config.Vcpus) : null,
            ProtectedModeKernels = accelerator.Features.HasFlag(AcceleratorFeatures.ProtectedModeKernels),
        };
        var boot = LoadBoot();

        var vm = Own(accelerator.CreateVm(Memory, new VmOptions { KernelIrqchip = Config.Irqchip == IrqchipMode.Kernel, Clock = clock, Firmware = Firmware, Apic = apicBus }));
        if (Config.Irqchip == IrqchipMode.Kernel)
        {
            irqs.AttachResampled(vm, _logger);
            irqs.Attach(vm.SetIrqLine);
        }
        ioEvents.Attach(vm.IoEvents, _logger);
        VmState = vm is Accel.IVmState { HasState: true } state ? state : null;
        for (int id = 0; id < Config.Vcpus; id++)
        {
            var vcpu = Own(vm.CreateVcpu(id));
            boot0 ??= vcpu;
            if (id == 0)
            {
                // The boot image starts the BSP; APs wait in their reset state for INIT and a start-up IPI.
                vcpu.SetSpecialRegisters(boot.SpecialRegisters);
                vcpu.SetRegisters(boot.Registers);
            }
            vcpu.InterruptController = Devices.InterruptController;
            irqs.Changed += vcpu.InterruptLineChanged;
            _loops.Add(new VcpuLoop(vcpu, Devices.Ports, Devices.Mmio, Memory, Control, clock, irqs.CreateVcpuWake(), _logger)
            {
                InstructionLimit = Config.Limits.Instructions ?? ulong.MaxValue,
                Firmware = Firmware,
                Pause = Pause,
            });
            Pause.Add(vcpu);
        }
        if (_loops[0].Vcpu.InstructionsRetired == null)
        {
            if (Config.Clock == ClockMode.Deterministic)
                throw new MachineFileException(Config.FilePath, [$"clock: deterministic time needs an accelerator that counts instructions (soft), not {accelerator.Name}"]);
            if (Config.Limits.Instructions != null)
                _logger.Warning("The {Accelerator} accelerator cannot count instructions; limits.instructions is ignored", accelerator.Name);
        }
        Devices.A20.Changed += enabled =>
        {
            foreach (var loop in _loops)
            {
                if (loop.Vcpu is IA20Gate gate)
                    gate.A20Enabled = enabled;
            }
        };
        Control.Stopping += () =>
        {
            foreach (var loop in _loops)
                loop.Vcpu.RequestExit();
        };
    }

    /// <summary>The local APICs (one per vCPU) and the I/O APIC devices, for the MADT of a direct boot.</summary>
    private ApicPlatform DescribeApics()
    {
        var ioApics = new List<IoApicPlacement>();
        foreach (var d in Devices.Devices)
        {
            if (d.Device is IIoApic io && d.MmioBase is { } address)
                ioApics.Add(new IoApicPlacement(io.IoApicId, (uint)address, io.GsiBase, io.IsaOverrides));
        }
        return new ApicPlatform(Config.Vcpus, ioApics);
    }

    /// <summary>The RAM slots, reserved lazily; a slot the host refuses is a machine-file error at its entry.</summary>
    private static GuestMemory ReserveMemory(MachineConfig config)
    {
        try
        {
            return new GuestMemory(config.Memory.Select(m => (m.Base, m.Size)));
        }
        catch (HostMemoryException e)
        {
            int index = config.Memory.ToList().FindIndex(m => m.Base == e.GuestAddress);
            throw new MachineFileException(config.FilePath, [$"memory[{index}]: {e.Message}"]);
        }
    }

    private FirmwareMemory LoadFirmware()
    {
        try
        {
            var firmware = FirmwareMemory.Load(Config.Boot.Image!, Memory);
            _logger.Debug("Firmware: {Firmware}", firmware);
            return firmware;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new BootImageException($"cannot map firmware: {e.Message}");
        }
    }

    /// <summary>Copies the image (or kernel) into RAM and returns vCPU 0's entry state.</summary>
    private BootState LoadBoot() => BootLoaders.Load(Config.Boot, Memory, _platform);

    /// <summary>
    /// Runs until the guest or a device stops the machine, a limit is reached, or <see cref="MachineControl.RequestStop"/>
    /// is called. A reset under the "restart" policy resets the devices and vCPUs and boots again.
    /// </summary>
    public VmmResult Run()
    {
        var clock = Stopwatch.StartNew();
        var timeLimit = Config.Limits.Time ?? Timeout.InfiniteTimeSpan;
        SteadyExitRate.Mark? warm = null;
        while (true)
        {
            RunVcpuThreads(timeLimit == Timeout.InfiniteTimeSpan ? timeLimit : (timeLimit - clock.Elapsed).Duration(), ref warm);
            if (!Control.ResetPending)
                break;
            _logger.Information("{Reason}: resetting the devices and vCPUs and booting again", Control.Reason);
            ResetMachine();
        }
        clock.Stop();
        var steady = warm?.Until(TotalExits());
        Devices.FlushAll(_logger);
        StdioBackend.Shared.Flush();

        var exits = new ExitStatistics();
        foreach (var loop in _loops)
            exits.Add(loop.Statistics);
        ulong? retired = _loops.Aggregate((ulong?)0, (sum, l) => sum + l.Vcpu.InstructionsRetired);
        return new VmmResult(Control.ExitCode, Control.Reason, exits, clock.Elapsed, retired, steady)
        {
            Vcpus = _loops.Select(l => new VcpuResult(l.Vcpu.Id, l.Statistics, l.Vcpu.InstructionsRetired)).ToList(),
            ResampledIrqs = _irqs?.ResampledLines().ToList() ?? [],
        };
    }

    // Read while the vCPUs run: each count is one aligned 64-bit word, so a read is never torn.
    private long TotalExits() => _loops.Sum(loop => loop.Statistics.Total);

    // warm: set on the first run that lasts past SteadyExitRate.WarmUp.
    private void RunVcpuThreads(TimeSpan timeLimit, ref SteadyExitRate.Mark? warm)
    {
        var threads = _loops.Select(loop => new Thread(() => RunLoop(loop)) { Name = $"vcpu{loop.Vcpu.Id}", IsBackground = true }).ToList();
        foreach (var thread in threads)
        {
            Pause.LoopStarted(); // before the thread runs, so an action requested now waits for it
            thread.Start();
        }
        bool outlastsWarmUp = timeLimit == Timeout.InfiniteTimeSpan || timeLimit > SteadyExitRate.WarmUp;
        if (warm == null && outlastsWarmUp && !Control.WaitForStop(SteadyExitRate.WarmUp))
        {
            warm = new SteadyExitRate.Mark(TotalExits());
            if (timeLimit != Timeout.InfiniteTimeSpan)
                timeLimit -= SteadyExitRate.WarmUp;
        }
        if (!Control.IsStopping && !Control.WaitForStop(timeLimit))
            Control.RequestStop(ExitCodes.LimitReached, $"time limit reached ({Config.Limits.Time!.Value.TotalSeconds:0.###} s)");
        foreach (var thread in threads)
        {
            if (!thread.Join(TimeSpan.FromSeconds(10)))
                _logger.Error("{Thread} did not stop within 10 s; abandoning it", thread.Name);
        }
    }

    private void RunLoop(VcpuLoop loop)
    {
        try
        {
            loop.Run();
        }
        finally
        {
            Pause.LoopEnded();
        }
    }

    /// <summary>Power-on state again: every device reset, the image reloaded, vCPU 0 at its entry.</summary>
    private void ResetMachine()
    {
        foreach (var device in Devices.Devices)
        {
            try
            {
                device.Device.Reset();
            }
            catch (Exception e)
            {
                _logger.Warning("Device {Device} failed to reset: {Message}", device.Config.Name, e.Message);
            }
        }
        var boot = LoadBoot();
        _loops[0].Vcpu.SetSpecialRegisters(boot.SpecialRegisters);
        _loops[0].Vcpu.SetRegisters(boot.Registers);
        Control.Rearm();
    }

    private T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    public void Dispose()
    {
        // Reverse order: vCPUs before the VM, the VM before the memory it maps.
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
        _owned.Clear();
    }
}
