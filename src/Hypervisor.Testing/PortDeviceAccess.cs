using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>Byte accesses on any port handler, such as a window from <see cref="DeviceHarness{TDevice}.PortWindow"/>.</summary>
public static class PortDeviceAccess
{
    /// <summary>A byte IN at <paramref name="offset"/> from the handler's base.</summary>
    public static byte In(this IPortDevice device, int offset) => (byte)device.Read((ushort)offset, 1);

    /// <summary>A byte OUT at <paramref name="offset"/> from the handler's base.</summary>
    public static void Out(this IPortDevice device, int offset, byte value) => device.Write((ushort)offset, 1, value);
}
