using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Debug;

/// <summary>
/// QEMU's isa-debug-exit: a guest write of v ends the VM with exit status (v &lt;&lt; 1) | 1, so a
/// test guest can report pass or fail (an odd status can never be mistaken for a clean 0).
/// As with QEMU, the process exit code is that status's low 8 bits (a write of 0x80 exits 1).
/// The guests here write 0 for success, anything else for a failure code.
/// QEMU places it at 0x501 by default; the machine files here put it at 0xf4.
/// </summary>
[Device("isa-debug-exit", Port = 0xf4, Description = "QEMU's isa-debug-exit (port 0xf4): writing v stops the VM with exit status (v << 1) | 1")]
[DeviceOption("iosize", "port width in bytes and ports claimed: 1, 2 or 4", Default = "1")]
public sealed class IsaDebugExit : IPortDevice, IDeviceState
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
    /// <summary>Nothing to save: its behaviour is its options.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) { }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("isa-debug-exit", version, StateVersion);
    }

    public int PortCount { get; }

    /// <summary>The status a write of <paramref name="value"/> asks for: (v &lt;&lt; 1) | 1, as QEMU passes to exit().</summary>
    public static ulong ExitStatus(uint value) => ((ulong)value << 1) | 1;

    /// <summary>The process exit code that status becomes: its low 8 bits, as the host's exit() keeps.</summary>
    public static int ExitCode(uint value) => (int)(ExitStatus(value) & 0xff);

    public uint Read(ushort offset, int size) => AccessSize.AllOnes(size);

    public void Write(ushort offset, int size, uint value)
    {
        value &= AccessSize.Mask(Math.Min(size, PortCount - offset));
        int exitCode = ExitCode(value);
        string reason = Describe(value, exitCode);
        _context.Logger.Information("{Reason}; exit code {ExitCode}", reason, exitCode);
        _context.Vm.RequestStop(exitCode, $"{_context.Name}: {reason}");
    }

    /// <summary>What the guest said, in words: success (0) or a failure code, and the status when it does not fit a process exit code.</summary>
    private static string Describe(uint value, int exitCode)
    {
        string said = value == 0
            ? "the guest reported success (it wrote 0 to isa-debug-exit)"
            : $"the guest reported failure {value} (it wrote 0x{value:x} to isa-debug-exit)";
        ulong status = ExitStatus(value);
        return status == (ulong)exitCode ? said : $"{said}; status 0x{status:x} keeps its low 8 bits as the exit code, as in QEMU";
    }
}
