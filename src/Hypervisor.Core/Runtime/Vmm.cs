using System.Diagnostics;
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

    public IReadOnlyList<VcpuLoop> Vcpus => _loops;

    /// <summary>
    /// Builds the machine. Throws <see cref="MachineFileException"/> (bad entries), <see cref="DeviceLoadException"/>,
    /// <see cref="BootImageException"/>, or the accelerator's own exception; nothing is left running.
    /// </summary>
    public static Vmm Create(MachineConfig config, PluginCatalog catalog, IAccelerator accelerator, ILogger logger)
    {
        if (config.Vcpus != 1)
            throw new MachineFileException(config.FilePath, [$"vcpus: {config.Vcpus} vCPUs need SMP start-up (INIT/SIPI), which is not implemented yet; use 1"]);
        CheckAcceleratorSupports(config, accelerator);

        var vmm = new Vmm(config, logger);
        try
        {
            vmm.Assemble(catalog, accelerator);
            return vmm;
        }
        catch
        {
            vmm.Dispose();
            throw;
        }
    }

    /// <summary>A machine that needs what the accelerator lacks fails here, before any device is built.</summary>
    private static void CheckAcceleratorSupports(MachineConfig config, IAccelerator accelerator)
    {
        var problems = new List<string>();
        if (config.Boot.Format == "linux" && !accelerator.Features.HasFlag(AcceleratorFeatures.LongMode))
            problems.Add($"boot.format: 'linux' enters a 64-bit kernel in long mode, which the {accelerator.Name} accelerator does not implement (use --accel kvm)");
        if (config.Irqchip == IrqchipMode.Kernel && !accelerator.Features.HasFlag(AcceleratorFeatures.KernelIrqchip))
            problems.Add($"irqchip: 'kernel' needs an accelerator with an in-kernel interrupt controller (kvm), not {accelerator.Name}; use \"devices\" with the i8259/i8254 plugins");
        if (problems.Count > 0)
            throw new MachineFileException(config.FilePath, problems);
    }

    private void Assemble(PluginCatalog catalog, IAccelerator accelerator)
    {
        Memory = Own(new GuestMemory(Config.Memory.Select(m => (m.Base, m.Size))));
        var irqs = new InterruptRouter();
        IVcpu? boot0 = null;
        MachineClock clock = Own<MachineClock>(Config.Clock == ClockMode.Deterministic
            ? new DeterministicClock(() => boot0?.InstructionsRetired ?? 0)
            : new HostClock());
        var environment = new MachineDevices.Environment(Memory, clock, Control, irqs, _logger, Config.Directory);
        Devices = Own(MachineDevices.Build(Config, catalog, environment));
        Devices.Ports.UnclaimedAccess = (port, size, write) =>
            _logger.Debug("Unclaimed {Direction} port 0x{Port:x} size {Size}", write ? "OUT to" : "IN from", port, size);
        Devices.Mmio.UnclaimedAccess = (address, size, write) =>
            _logger.Debug("Unclaimed MMIO {Direction} 0x{Address:x} size {Size}", write ? "write to" : "read from", address, size);

        if (Config.Irqchip == IrqchipMode.Kernel && KernelIrqchipPorts.Conflicts(Devices).ToList() is { Count: > 0 } conflicts)
            throw new MachineFileException(Config.FilePath, conflicts);

        var boot = LoadBoot();

        var vm = Own(accelerator.CreateVm(Memory, new VmOptions { KernelIrqchip = Config.Irqchip == IrqchipMode.Kernel }));
        if (Config.Irqchip == IrqchipMode.Kernel)
            irqs.Attach(vm.SetIrqLine);
        for (int id = 0; id < Config.Vcpus; id++)
        {
            var vcpu = Own(vm.CreateVcpu(id));
            boot0 ??= vcpu;
            vcpu.SetSpecialRegisters(boot.SpecialRegisters);
            vcpu.SetRegisters(boot.Registers);
            vcpu.InterruptController = Devices.InterruptController;
            irqs.Changed += vcpu.InterruptLineChanged;
            _loops.Add(new VcpuLoop(vcpu, Devices, Memory, Control, clock, irqs.LineChanged, _logger)
            {
                InstructionLimit = Config.Limits.Instructions ?? ulong.MaxValue,
            });
        }
        if (_loops[0].Vcpu.InstructionsRetired == null)
        {
            if (Config.Clock == ClockMode.Deterministic)
                throw new MachineFileException(Config.FilePath, [$"clock: deterministic time needs an accelerator that counts instructions (soft), not {accelerator.Name}"]);
            if (Config.Limits.Instructions != null)
                _logger.Warning("The {Accelerator} accelerator cannot count instructions; limits.instructions is ignored", accelerator.Name);
        }
        Control.A20Changed += enabled =>
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

    /// <summary>Copies the image (or kernel) into RAM and returns vCPU 0's entry state.</summary>
    private BootState LoadBoot() => Config.Boot.Format switch
    {
        "flat" => FlatImageLoader.Load(Config.Boot, Memory),
        "multiboot" => MultibootLoader.Load(Config.Boot.Kernel!, Config.Boot.CommandLine, Memory),
        "linux" => LinuxKernelLoader.Load(Config.Boot, Memory),
        _ => throw new BootImageException($"boot format '{Config.Boot.Format}' is not supported"),
    };

    /// <summary>
    /// Runs until the guest or a device stops the machine, a limit is reached, or <see cref="MachineControl.RequestStop"/>
    /// is called. A reset under the "restart" policy resets the devices and vCPUs and boots again.
    /// </summary>
    public VmmResult Run()
    {
        var clock = Stopwatch.StartNew();
        var timeLimit = Config.Limits.Time ?? Timeout.InfiniteTimeSpan;
        while (true)
        {
            RunVcpuThreads(timeLimit == Timeout.InfiniteTimeSpan ? timeLimit : (timeLimit - clock.Elapsed).Duration());
            if (!Control.ResetPending)
                break;
            _logger.Information("{Reason}: resetting the devices and vCPUs and booting again", Control.Reason);
            ResetMachine();
        }
        clock.Stop();
        Devices.FlushAll(_logger);
        StdioBackend.Shared.Flush();

        var exits = new ExitStatistics();
        foreach (var loop in _loops)
            exits.Add(loop.Statistics);
        ulong? retired = _loops.Aggregate((ulong?)0, (sum, l) => sum + l.Vcpu.InstructionsRetired);
        return new VmmResult(Control.ExitCode, Control.Reason, exits, clock.Elapsed, retired);
    }

    private void RunVcpuThreads(TimeSpan timeLimit)
    {
        var threads = _loops.Select(loop => new Thread(loop.Run) { Name = $"vcpu{loop.Vcpu.Id}", IsBackground = true }).ToList();
        foreach (var thread in threads)
            thread.Start();
        if (!Control.WaitForStop(timeLimit))
            Control.RequestStop(ExitCodes.LimitReached, $"time limit reached ({Config.Limits.Time!.Value.TotalSeconds:0.###} s)");
        foreach (var thread in threads)
        {
            if (!thread.Join(TimeSpan.FromSeconds(10)))
                _logger.Error("{Thread} did not stop within 10 s; abandoning it", thread.Name);
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
        foreach (var loop in _loops)
        {
            loop.Vcpu.SetSpecialRegisters(boot.SpecialRegisters);
            loop.Vcpu.SetRegisters(boot.Registers);
        }
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
