using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;

namespace Hypervisor.Testing;

/// <summary>
/// A vCPU without an accelerator for measuring and testing the exit loop alone: each
/// <see cref="Run"/> is one port exit (<c>OUT</c> of <see cref="IoSize"/> bytes to <see cref="Port"/>,
/// the value counting up as the seed's counter guest writes it), and after <see cref="ExitLimit"/>
/// exits a HLT with interrupts disabled, which ends <see cref="Hypervisor.Core.Runtime.VcpuLoop"/>
/// cleanly. Allocates nothing per exit, like KvmVcpu.
/// </summary>
public sealed unsafe class ReplayIoVcpu : IVcpu
{
    private readonly byte* _data;
    private long _exits;

    public ReplayIoVcpu(ushort port, int ioSize = 2)
    {
        if (ioSize is not (1 or 2 or 4))
            throw new ArgumentOutOfRangeException(nameof(ioSize), ioSize, "a port access is 1, 2 or 4 bytes");
        Port = port;
        IoSize = ioSize;
        _data = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(8);
        Exit = new VcpuExit(_data, 8);
    }

    public ushort Port { get; }

    public int IoSize { get; }

    /// <summary>Port exits before the closing HLT; set again before another run.</summary>
    public long ExitLimit { get; set; } = long.MaxValue;

    /// <summary>Port exits produced since the last <see cref="ExitLimit"/> was set or <see cref="Rewind"/>.</summary>
    public long Exits => _exits;

    public int Id => 0;

    public VcpuExit Exit { get; }

    public ulong? InstructionsRetired => null;

    public ulong InstructionLimit { get; set; } = ulong.MaxValue;

    public IInterruptController? InterruptController { get; set; }

    /// <summary>Starts counting exits from zero again.</summary>
    public void Rewind(long exitLimit)
    {
        _exits = 0;
        ExitLimit = exitLimit;
    }

    public VcpuExitReason Run()
    {
        if (_exits >= ExitLimit)
        {
            Exit.Reason = VcpuExitReason.Hlt;
            return VcpuExitReason.Hlt;
        }
        *(uint*)_data = (uint)_exits++;
        Exit.Reason = VcpuExitReason.Io;
        Exit.IoDirection = IoDirection.Out;
        Exit.IoPort = Port;
        Exit.IoSize = IoSize;
        Exit.IoCount = 1;
        return VcpuExitReason.Io;
    }

    public void RequestExit() { }

    /// <summary>Interrupts disabled: the closing HLT stops the machine.</summary>
    public VcpuRegisters GetRegisters() => new() { Rflags = 0x2 };

    public void SetRegisters(in VcpuRegisters registers) { }

    public VcpuSpecialRegisters GetSpecialRegisters() => default;

    public void SetSpecialRegisters(in VcpuSpecialRegisters registers) { }

    public void InterruptLineChanged() { }

    public void Dispose() => System.Runtime.InteropServices.NativeMemory.Free(_data);
}
