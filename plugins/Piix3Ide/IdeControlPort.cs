using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Ide;

/// <summary>A channel's control block register (0x3f6): Alternate Status on reads, Device Control on writes.</summary>
public sealed class IdeControlPort(IdeChannel channel) : IPortDevice
{
    public int PortCount => 1;

    public uint Read(ushort offset, int size) => channel.ReadAlternateStatus();

    public void Write(ushort offset, int size, uint value) => channel.WriteControl((byte)value);

    public void Reset() { }

    public void Dispose() { }
}

/// <summary>The legacy (compatibility mode) resources of the IDE channels.</summary>
public static class IdeLegacyPorts
{
    public const int PrimaryCommand = 0x1f0;
    public const int PrimaryControl = 0x3f6;
    public const int PrimaryIrq = 14;
}
