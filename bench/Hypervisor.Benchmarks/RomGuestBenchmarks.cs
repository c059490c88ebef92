using System.Text;
using BenchmarkDotNet.Attributes;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Memory;
using Hypervisor.X86;

namespace Hypervisor.Benchmarks;

/// <summary>
/// The benchmark guests of scripts/bench-vs-qemu.sh (guests/pc/primes.rom, guests/bench/NAME.rom)
/// on the software CPU, in-process and from reset to isa-debug-exit: the guest-only time, without
/// process start-up, machine-file reading or plugin loading. A fresh VM each operation, so decoded
/// blocks start cold as in a real run. Each run's serial output must equal QEMU's recording
/// (NAME.expected), so a fast wrong CPU cannot report a figure.
/// </summary>
public class RomGuestBenchmarks
{
    private const ushort ComThr = 0x3f8, ComLsr = 0x3fd, DebugExitPort = 0xf4;
    private const byte LsrTransmitterIdle = 0x60; // THRE | TEMT
    private const ulong InstructionLimit = 2_000_000_000;

    private GuestMemory _memory = null!;
    private byte[] _rom = null!;
    private string _expected = null!;

    [Params("primes", "real16", "paged32", "memops32")]
    public string Guest { get; set; } = "primes";

    [GlobalSetup]
    public void Setup()
    {
        string guests = Path.Combine(FindRepoRoot(), "guests");
        string rom = Guest == "primes" ? Path.Combine(guests, "pc", "primes.rom") : Path.Combine(guests, "bench", Guest + ".rom");
        _rom = File.ReadAllBytes(rom);
        _expected = File.ReadAllText(Path.ChangeExtension(rom, ".expected"), Encoding.Latin1);
        // The layout of configs/bench/*.json: 640 KiB, the ROM at 0xf0000, RAM from 1 MiB.
        _memory = new GuestMemory([(0UL, 0xa0000UL), (0xf0000UL, 0x10000UL), (0x100000UL, 0x300000UL)]);
    }

    [Benchmark]
    public ulong RunToExit()
    {
        _memory.Write(0xf0000, _rom);
        using var accelerator = new SoftAccelerator();
        using var vm = accelerator.CreateVm(_memory);
        using var vcpu = vm.CreateVcpu(0);
        var boot = FlatImageLoader.RealModeEntry(new Dictionary<string, ulong> { ["cs"] = 0xf000, ["rip"] = 0xfff0 });
        vcpu.SetSpecialRegisters(boot.SpecialRegisters);
        vcpu.SetRegisters(boot.Registers);
        vcpu.InstructionLimit = InstructionLimit;
        var serial = new StringBuilder();
        while (true)
        {
            var reason = vcpu.Run();
            var exit = vcpu.Exit;
            if (reason != VcpuExitReason.Io)
                throw new InvalidOperationException($"{Guest} stopped with {reason}: {exit.Message}");
            if (exit.IoDirection == IoDirection.In)
                exit.Data.Fill(exit.IoPort == ComLsr ? LsrTransmitterIdle : (byte)0xff);
            else if (exit.IoPort == ComThr)
                serial.Append((char)exit.Data[0]);
            else if (exit.IoPort == DebugExitPort)
                break;
        }
        if (serial.ToString() != _expected)
            throw new InvalidOperationException($"{Guest} printed '{serial}', QEMU '{_expected}'");
        return vcpu.InstructionsRetired ?? 0;
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MiniVmm.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"MiniVmm.sln not found above {AppContext.BaseDirectory}");
    }
}
