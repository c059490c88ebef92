using System.Buffers.Binary;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Bus;
using Hypervisor.Core.Memory;
using Serilog;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The exit loop of one vCPU, run on its own thread: KVM_RUN (or the software CPU's Run), then
/// route the exit through the buses, until the machine stops. Written once for every accelerator.
/// An exit costs no allocation and no clock read (tests/Hypervisor.Core.Tests/Runtime/VcpuLoopTests.cs;
/// bench/Hypervisor.Benchmarks/ExitLoopBenchmarks.cs measures it without KVM).
/// </summary>
public sealed class VcpuLoop(IVcpu vcpu, PortBus ports, MmioBus mmio, GuestMemory memory, MachineControl control,
    MachineClock clock, WaitHandle interruptLineChanged, ILogger logger)
{
    /// <summary>The user's instruction limit (limits.instructions), or <see cref="ulong.MaxValue"/>.</summary>
    public ulong InstructionLimit { get; init; } = ulong.MaxValue;

    /// <summary>The firmware ROM and shadow region (boot format "bios"), so a crash report can show code there; or null.</summary>
    public FirmwareMemory? Firmware { get; init; }

    public ExitStatistics Statistics { get; } = new();

    /// <summary>A debugger attached to this vCPU (the gdb stub), or null.</summary>
    public IVcpuDebugger? Debugger { get; set; }

    /// <summary>Where exits are traced (--trace exits), or null: one predictable branch per exit when off.</summary>
    public Debug.TraceLog? Trace { get; set; }

    public IVcpu Vcpu => vcpu;

    /// <summary>The machine's pause (snapshots, device swaps): the loop parks when it is requested; or null.</summary>
    public VcpuPause? Pause { get; init; }

    /// <summary>True while the vCPU sleeps in HLT waiting for an interrupt (what a snapshot records).</summary>
    public bool Halted { get; private set; }

    /// <summary>Set before <see cref="Run"/>: the vCPU starts in HLT (a restored snapshot taken while it slept there).</summary>
    public bool StartHalted { get; set; }

    /// <summary>An action run with every vCPU parked once this vCPU has retired the given count (a deterministic snapshot); or null.</summary>
    public InstructionTrigger? Trigger { get; set; }

    public void Run()
    {
        try
        {
            Trace?.CpuReset(vcpu);
            Debugger?.Starting(vcpu);
            if (StartHalted)
            {
                StartHalted = false;
                if (!WaitForInterrupt())
                    return;
            }
            // KVM cannot stop after N instructions: then there is no limit to compute per exit.
            bool countsInstructions = vcpu.InstructionsRetired != null;
            while (!control.IsStopping && Step(countsInstructions))
            {
            }
        }
        catch (Exception e)
        {
            logger.Debug(e, "vcpu{Id} loop failed", vcpu.Id);
            control.RequestStop(ExitCodes.VmmFailure, $"internal error in the vcpu{vcpu.Id} loop: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// One exit, run and handled; false when this vCPU is done. A method of its own so the runtime
    /// tiers it up with profile data: <see cref="Run"/> is entered once and keeps its ReadyToRun code.
    /// </summary>
    private bool Step(bool countsInstructions)
    {
        // Leave Run at the user's limit, or earlier when a deterministic timer or the trigger is due.
        if (countsInstructions)
            vcpu.InstructionLimit = Math.Min(Math.Min(InstructionLimit, clock.NextStopInstruction), Trigger?.Instruction ?? ulong.MaxValue);
        var reason = vcpu.Run();
        Statistics.Count(reason);
        Trace?.Exit(vcpu, reason);
        bool debuggers = Debugger is { } debugger && debugger.HandleExit(vcpu, reason);
        if (!debuggers && !Handle(reason))
            return false;
        clock.RunDueTimers();
        return true;
    }

    /// <summary>Handles one exit; false when this vCPU is done.</summary>
    private bool Handle(VcpuExitReason reason)
    {
        var exit = vcpu.Exit;
        switch (reason)
        {
            case VcpuExitReason.Io:
                return HandleIo(exit);
            case VcpuExitReason.Mmio:
                return HandleMmio(exit);
            case VcpuExitReason.Intr:
                return HandleIntr();
            case VcpuExitReason.Hlt:
                return WaitForInterrupt();
            case VcpuExitReason.Shutdown when control.ResetPolicy == ResetPolicy.Restart:
                control.RequestReset($"triple fault on vcpu{vcpu.Id}");
                return false;
            default:
                Crash(reason, exit);
                return false;
        }
    }

    /// <summary>A kick (RequestExit, a timer or the instruction limit): stop, park for a pause, or fire the trigger.</summary>
    private bool HandleIntr()
    {
        if (control.IsStopping)
            return false;
        if (Trigger is { } trigger && vcpu.InstructionsRetired >= trigger.Instruction)
            Fire(trigger);
        if (Pause is { Requested: true } pause)
            pause.Park();
        if (control.IsStopping)
            return false;
        if (vcpu.InstructionsRetired is { } retired && retired >= InstructionLimit)
        {
            control.RequestStop(ExitCodes.LimitReached, $"instruction limit reached on vcpu{vcpu.Id} ({retired} instructions)");
            return false;
        }
        return true;
    }

    /// <summary>
    /// Runs the trigger with every vCPU parked. Its own method because the lambda captures the trigger,
    /// and C# allocates a closure where the captured variable's scope begins: inside Handle's switch
    /// that was on every exit (24 bytes each, which VcpuLoopTests now catches).
    /// </summary>
    private void Fire(InstructionTrigger trigger)
    {
        Trigger = null;
        if (Pause == null)
            trigger.Action(); // a machine of one loop: this vCPU is the only one, and it is here
        else
            Pause.Run(() => { trigger.Action(); return true; }, VcpuPause.DefaultTimeout, fromVcpu: true);
    }

    /// <summary>
    /// HLT: with interrupts enabled and an interrupt controller, sleep until it asserts INTR (the
    /// clock may move time forward to the next timer); otherwise nothing can wake the guest.
    /// </summary>
    private bool WaitForInterrupt()
    {
        var controller = vcpu.InterruptController;
        const ulong InterruptFlag = 0x200;
        if (controller == null || (vcpu.GetRegisters().Rflags & InterruptFlag) == 0)
        {
            control.RequestStop(ExitCodes.Success, $"guest halted (HLT on vcpu{vcpu.Id} with interrupts disabled)");
            return false;
        }
        Halted = true;
        try
        {
            while (!controller.HasPendingInterrupt && !control.IsStopping)
            {
                if (Pause is { Requested: true } pause)
                {
                    pause.Park();
                    continue;
                }
                if (!clock.WaitWhileHalted(() => controller.HasPendingInterrupt, control.StopHandle, interruptLineChanged))
                {
                    control.RequestStop(ExitCodes.Success, $"guest halted (HLT on vcpu{vcpu.Id}) with no interrupt source left to wake it");
                    return false;
                }
            }
        }
        finally
        {
            Halted = false;
        }
        return !control.IsStopping;
    }

    private bool HandleIo(VcpuExit exit)
    {
        int size = exit.IoSize;
        ushort port = exit.IoPort;
        bool isOut = exit.IoDirection == IoDirection.Out;
        var data = exit.Data;
        try
        {
            // One access per exit except for KVM's REP INS/OUTS: the element loop covers both.
            for (int offset = 0; offset < data.Length; offset += size)
            {
                var item = data.Slice(offset, size);
                if (isOut)
                    ports.Write(port, size, (uint)ReadValue(item));
                else
                    WriteValue(item, ports.Read(port, size));
                Trace?.Port(vcpu.Id, isOut, port, size, ReadValue(item), ports.Find(port)?.Name);
            }
        }
        catch (Exception e)
        {
            string device = ports.Find(port)?.Name ?? "?";
            DeviceFailed(e, $"device '{device}' failed on {(isOut ? "OUT to" : "IN from")} port 0x{port:x} (size {size})");
            return false;
        }
        return true;
    }

    private bool HandleMmio(VcpuExit exit)
    {
        ulong address = exit.MmioAddress;
        int size = exit.MmioLength;
        var data = exit.Data;
        try
        {
            if (exit.MmioIsWrite)
                mmio.Write(address, size, ReadValue(data));
            else
                WriteValue(data, mmio.Read(address, size));
            Trace?.Mmio(vcpu.Id, exit.MmioIsWrite, address, size, ReadValue(data), mmio.Find(address)?.Name);
        }
        catch (Exception e)
        {
            string device = mmio.Find(address)?.Name ?? "?";
            DeviceFailed(e, $"device '{device}' failed on MMIO {(exit.MmioIsWrite ? "write to" : "read from")} 0x{address:x} (size {size})");
            return false;
        }
        return true;
    }

    private void DeviceFailed(Exception e, string what)
    {
        logger.Debug(e, "{What}", what);
        control.RequestStop(ExitCodes.DeviceFailure, $"{what}: {e.GetType().Name}: {e.Message}");
    }

    private void Crash(VcpuExitReason reason, VcpuExit exit)
        => control.RequestStop(ExitCodes.GuestCrash, CrashSummary.Of(reason, exit) + Environment.NewLine + GuestCrashReport.Format(vcpu, memory, Firmware));

    private static ulong ReadValue(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        1 => bytes[0],
        2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        8 => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        _ => throw new ArgumentException($"access size {bytes.Length} is not 1, 2, 4 or 8"),
    };

    private static void WriteValue(Span<byte> bytes, ulong value)
    {
        switch (bytes.Length)
        {
            case 1: bytes[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(bytes, value); break;
            default: throw new ArgumentException($"access size {bytes.Length} is not 1, 2, 4 or 8");
        }
    }
}

/// <summary>What <see cref="VcpuLoop.Trigger"/> runs, with every vCPU parked, once the vCPU has retired <see cref="Instruction"/> instructions.</summary>
public sealed record InstructionTrigger(ulong Instruction, Action Action);
