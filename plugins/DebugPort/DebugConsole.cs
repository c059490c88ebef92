using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Debug;

/// <summary>
/// Bochs/QEMU's debug console (port 0xe9): every byte the guest writes goes to a host backend;
/// a read returns the readback value (0xe9), which is how guests detect it.
/// </summary>
[Device("debugcon", Port = 0xe9, Description = "Bochs/QEMU debug console (port 0xe9): bytes to a backend, reads return 0xe9")]
[DeviceOption("backend", "where written bytes go: stdio, null, file:PATH, tcp:127.0.0.1:PORT, unix:PATH", Default = "stdio")]
[DeviceOption("readback", "the byte a read returns (QEMU's readback property)", Default = "0xe9")]
public sealed class DebugConsole : IPortDevice, IDeviceState
{
    /// <summary>The port guests expect it at, and what a read returns there.</summary>
    public const byte DefaultReadback = 0xe9;

    private readonly ICharBackend _backend;
    private readonly byte _readback;

    public DebugConsole(DeviceContext context)
    {
        ulong readback = context.Options.GetUInt64("readback", DefaultReadback);
        if (readback > byte.MaxValue)
            throw new DeviceConfigurationException("readback", $"0x{readback:x} does not fit in a byte");
        _readback = (byte)readback;
        _backend = context.OpenBackend("backend", "stdio");
    }

    /// <summary>Nothing to save: its behaviour is its options.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer) { }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("debugcon", version, StateVersion);
    }

    public int PortCount => 1;

    public uint Read(ushort offset, int size) => _readback;

    public void Write(ushort offset, int size, uint value)
    {
        // Only the byte at the port itself is the console; wider writes carry it in their low byte.
        byte b = (byte)value;
        _backend.Write(new ReadOnlySpan<byte>(in b));
    }

    public void Flush() => _backend.Flush();

    public void Dispose()
    {
        _backend.Flush();
        _backend.Dispose();
    }
}
