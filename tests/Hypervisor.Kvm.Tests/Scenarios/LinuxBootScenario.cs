using System.Diagnostics;
using System.Text;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;

namespace Hypervisor.Kvm.Tests.Scenarios;

/// <summary>
/// Boots a real Linux bzImage (Debian's) through <see cref="LinuxBzImage"/> under KVM with the in-kernel
/// irqchip and PIT, with a minimal polled 16550 at 0x3f8 (transmitter always empty), until the kernel
/// reaches a marker on its console. Reports how long the first serial byte and the marker took.
/// </summary>
public static class LinuxBootScenario
{
    /// <summary>Not MINIVMM_*: minivmm reads those as machine-file overrides.</summary>
    public const string KernelVariable = "KVM_TEST_LINUX_KERNEL";

    /// <summary>
    /// The E820 line for RAM above 1 MiB: printed early by the kernel proper (after decompression),
    /// from the zero page <see cref="LinuxBzImage"/> wrote, so it proves the boot protocol end to end.
    /// </summary>
    public const string E820Marker = "BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable";

    private const ushort Com1 = 0x3f8;
    private const int LineControlRegister = 3;
    private const int LineStatusRegister = 5;
    private const byte DivisorLatchAccess = 0x80; // LCR.DLAB: offsets 0 and 1 are the baud divisor
    private const byte TransmitterEmpty = 0x60; // THRE | TEMT
    private const ulong RamBytes = 512ul << 20;

    /// <summary>earlyprintk with keep: the kernel's messages reach COM1 by polling, without a 16550 model.</summary>
    public const string CommandLine = "console=ttyS0 earlyprintk=serial,ttyS0,115200,keep acpi=off noapic panic=0 quiet=0 loglevel=7";

    /// <param name="FirstSerialByte">From the first KVM_RUN to the first byte on COM1.</param>
    /// <param name="Marker">From the first KVM_RUN to the end of the marker.</param>
    public sealed record Result(TimeSpan FirstSerialByte, TimeSpan Marker, string Console);

    /// <summary>
    /// The kernel to boot: $KVM_TEST_LINUX_KERNEL (the test bed sets it), or null. Opt-in because a
    /// boot takes seconds on hardware KVM but minutes under software shadow paging.
    /// </summary>
    public static string? FindKernel() =>
        Environment.GetEnvironmentVariable(KernelVariable) is { Length: > 0 } path && File.Exists(path) ? path : null;

    /// <summary>Boots to <see cref="E820Marker"/> and checks the kernel also echoed its version and our command line.</summary>
    public static Result BootToE820Map(KvmAccelerator kvm, string kernelPath, TimeSpan limit)
    {
        var result = Boot(kvm, kernelPath, E820Marker, limit);
        if (!result.Console.Contains("Linux version "))
            throw new ScenarioFailedException($"the console lacks the kernel's \"Linux version\" banner: {result.Console}");
        if (!result.Console.Contains("Command line: " + CommandLine))
            throw new ScenarioFailedException($"the kernel did not echo the command line from the zero page: {result.Console}");
        return result;
    }

    public static Result Boot(KvmAccelerator kvm, string kernelPath, string marker, TimeSpan limit)
    {
        using var h = new KvmGuestHarness(kvm, RamBytes, new KvmVmOptions { CreateIrqchip = true, CreatePit = true }, limit);
        var state = LinuxBzImage.Load(h.Memory, File.ReadAllBytes(kernelPath), CommandLine);
        h.Vcpu.SetSpecialRegisters(state.SpecialRegisters);
        h.Vcpu.SetRegisters(state.Registers);

        var console = new StringBuilder();
        var clock = Stopwatch.StartNew();
        TimeSpan firstByte = TimeSpan.Zero;
        long exits = 0;
        byte lineControl = 0;
        using var stop = new Timer(_ => h.Vcpu.RequestExit(), null, limit, Timeout.InfiniteTimeSpan);
        while (true)
        {
            var reason = h.Vcpu.Run();
            var exit = h.Exit;
            exits++;
            switch (reason)
            {
                case VcpuExitReason.Io when exit.IoDirection == IoDirection.Out:
                    if (exit.IoPort == Com1 + LineControlRegister)
                        lineControl = exit.Data[^1];
                    else if (exit.IoPort == Com1 && (lineControl & DivisorLatchAccess) == 0)
                    {
                        if (console.Length == 0)
                            firstByte = clock.Elapsed;
                        foreach (byte b in exit.Data)
                            console.Append((char)b);
                        if (EndsWith(console, marker))
                            return new Result(firstByte, clock.Elapsed, console.ToString());
                    }
                    break;
                case VcpuExitReason.Io:
                    exit.Data.Fill(exit.IoPort == Com1 + LineStatusRegister ? TransmitterEmpty : (byte)0xff);
                    break;
                case VcpuExitReason.Mmio:
                    if (!exit.MmioIsWrite)
                        exit.Data.Fill(0xff);
                    break;
                case VcpuExitReason.Intr:
                    throw new ScenarioFailedException($"Linux did not print \"{marker}\" within {limit.TotalSeconds} s ({exits} exits, last {exit.Reason} port 0x{exit.IoPort:x} mmio 0x{exit.MmioAddress:x}; {h.Vcpu.DescribeState()}); console tail: {Tail(console)}");
                default:
                    throw new ScenarioFailedException($"Linux stopped with {reason} {exit.Message}; console tail: {Tail(console)}");
            }
        }
    }

    private static bool EndsWith(StringBuilder text, string marker)
    {
        if (text.Length < marker.Length)
            return false;
        for (int i = 0; i < marker.Length; i++)
        {
            if (text[text.Length - marker.Length + i] != marker[i])
                return false;
        }
        return true;
    }

    private static string Tail(StringBuilder text) => text.ToString(Math.Max(0, text.Length - 600), Math.Min(600, text.Length));
}
