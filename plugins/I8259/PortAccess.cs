namespace MiniVmm.Devices.Pic;

/// <summary>
/// Splits a wide port access into byte accesses at consecutive offsets, as an 8-bit ISA device
/// sees them; offsets past the device's ports read as all ones and ignore writes.
/// </summary>
internal static class PortAccess
{
    public static uint Read(ushort offset, int size, int portCount, Func<int, byte> readByte)
    {
        uint value = 0;
        for (int i = 0; i < size; i++)
        {
            int port = offset + i;
            uint b = port < portCount ? readByte(port) : 0xffu;
            value |= b << (8 * i);
        }
        return value;
    }

    public static void Write(ushort offset, int size, uint value, int portCount, Action<int, byte> writeByte)
    {
        for (int i = 0; i < size; i++)
        {
            int port = offset + i;
            if (port < portCount)
                writeByte(port, (byte)(value >> (8 * i)));
        }
    }
}
