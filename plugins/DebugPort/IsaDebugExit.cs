using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Debug;

/// <summary>
/// QEMU's isa-debug-exit: a guest write of v ends the VM with exit status (v &lt;&lt; 1) | 1, so a
/// test guest can report pass or fail (an odd status can never be mistaken for a clean 0).
/// QEMU places it at 0x501 by default; the machine files here put it at 0xf4.
/// </summary>
[Device("isa-debug-exit", Port = 0xf4, Description = "QEMU's isa-debug-exit (port 0xf4): writing v stops the VM with exit status (v << 1) | 1")]
[DeviceOption("iosize", "port width in bytes and ports claimed: 1, 2 or 4", Default = "1")]
public sealed class IsaDebugExit : IPortDevice
{
    private readonly DeviceContext _context;

    public IsaDebugExit(DeviceContext context)
    {
        _context = context;
        ulong iosize = context.Options.GetUInt64("iosize", 1);
        if (iosize is not (1 or 2 or 4))
            throw new DeviceConfigurationException("iosize", $"{iosize} bytes: expected 1, 2 or 4");
        PortCount = (int)iosize;
    }

    /// <summary>The port count is the register's width: 1, 2 or 4.</summary>
    public int PortCount { get; }

    /// <summary>The status a write of <paramref name="value"/> ends the VM with.</summary>
    public static int ExitStatus(uint value) => (int)((value << 1) | 1);

    public uint Read(ushort offset, int size) => AccessSize.AllOnes(size);

    public void Write(ushort offset, int size, uint value)
    {
        value &= AccessSize.Mask(Math.Min(size, PortCount - offset));
        int status = ExitStatus(value);
        _context.Logger.Information("isa-debug-exit: guest wrote 0x{Value:x}, exit status {Status}", value, status);
        _context.Vm.RequestStop(status, $"{_context.Name}: guest wrote 0x{value:x} (exit status {status})");
    }
}
