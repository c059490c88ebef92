using System.Text;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;
using Hypervisor.X86;

namespace Hypervisor.Core.Tests.Guests;

/// <summary>
/// The conformance machine in-process: RAM, the software CPU, and just enough of the two devices
/// the guests use (the UART's THR and LSR, isa-debug-exit), so the recorded QEMU outputs can be
/// checked without plugins or the minivmm executable. Outcomes use the vocabulary of
/// scripts/conformance/lib.sh: "exit N", "shutdown", "halted", "timeout", "error: ...".
/// </summary>
internal sealed class ConformanceMachine : IDisposable
{
    private const ushort ComThr = 0x3f8;
    private const ushort ComLsr = 0x3fd;
    private const byte LsrTransmitterIdle = 0x60; // THRE | TEMT
    private const ushort DebugExitPort = 0xf4;
    private const ulong InstructionLimit = 200_000_000;

    private readonly GuestMemory _memory;
    private readonly SoftAccelerator _accelerator = new();
    private readonly IVirtualMachine _vm;
    private readonly IVcpu _vcpu;
    private readonly MemoryStream _serial = new();

    private ConformanceMachine(GuestMemory memory, BootState boot)
    {
        _memory = memory;
        _vm = _accelerator.CreateVm(memory);
        _vcpu = _vm.CreateVcpu(0);
        _vcpu.SetSpecialRegisters(boot.SpecialRegisters);
        _vcpu.SetRegisters(boot.Registers);
        _vcpu.InstructionLimit = InstructionLimit;
    }

    /// <summary>A 64 KiB ROM at 0xf0000 entered at F000:FFF0, as configs/conformance/NAME.json (RAM below 640 KiB).</summary>
    public static ConformanceMachine ForRom(string romPath)
    {
        var memory = new GuestMemory([(0UL, 0xa0000UL), (0xf0000UL, 0x10000UL)]);
        memory.Write(0xf0000, File.ReadAllBytes(romPath));
        var entry = new Dictionary<string, ulong> { ["cs"] = 0xf000, ["rip"] = 0xfff0 };
        return new ConformanceMachine(memory, FlatImageLoader.RealModeEntry(entry));
    }

    /// <summary>A Multiboot kernel with 640 KiB + 15 MiB of RAM, as configs/conformance/info.json.</summary>
    public static ConformanceMachine ForMultiboot(string kernelPath, string commandLine)
    {
        var memory = new GuestMemory([(0UL, 0xa0000UL), (0x100000UL, 0xf00000UL)]);
        return new ConformanceMachine(memory, new MultibootLoader().Load(new BootConfig { Format = "multiboot", Kernel = kernelPath, CommandLine = commandLine }, memory));
    }

    /// <summary>Runs to the end; returns the outcome and the bytes written to the UART.</summary>
    public (string Outcome, string Serial) Run()
    {
        string outcome = Loop();
        return (outcome, Encoding.Latin1.GetString(_serial.ToArray()));
    }

    private string Loop()
    {
        while (true)
        {
            var reason = _vcpu.Run();
            var exit = _vcpu.Exit;
            switch (reason)
            {
                case VcpuExitReason.Io when exit.IoDirection == IoDirection.Out:
                    if (exit.IoPort == DebugExitPort)
                        return $"exit {(exit.Data[0] << 1) | 1}";
                    if (exit.IoPort == ComThr && exit.IoSize == 1)
                        _serial.Write(exit.Data);
                    break;
                case VcpuExitReason.Io:
                    exit.Data.Fill(exit.IoPort == ComLsr ? LsrTransmitterIdle : (byte)0xff);
                    break;
                case VcpuExitReason.Mmio:
                    if (!exit.MmioIsWrite)
                        exit.Data.Fill(0xff);
                    break;
                case VcpuExitReason.Hlt:
                    return "halted";
                case VcpuExitReason.Shutdown:
                    return "shutdown";
                case VcpuExitReason.Intr:
                    return "timeout";
                default:
                    return $"error: {reason} {exit.Message}";
            }
        }
    }

    public void Dispose()
    {
        _vcpu.Dispose();
        _vm.Dispose();
        _accelerator.Dispose();
        _memory.Dispose();
    }
}
