namespace Hypervisor.Abstractions;

/// <summary>
/// How an 8-bit ISA device sees a 16- or 32-bit port access: as byte accesses to consecutive
/// registers, lowest first. Offsets past the device's registers read as all ones and ignore
/// writes. For devices whose registers are bytes (the 8250/16550, 8254, 8259, MC146818 …).
/// Pass delegates held in fields to keep the access path free of allocations.
/// </summary>
public static class ByteRegisterPorts
{
    /// <summary>Reads <paramref name="size"/> bytes starting at register <paramref name="offset"/>.</summary>
    public static uint Read(ushort offset, int size, int registerCount, Func<int, byte> readRegister)
    {
        uint value = 0;
        for (int i = 0; i < size; i++)
        {
            int register = offset + i;
            uint b = register < registerCount ? readRegister(register) : 0xffu;
            value |= b << (8 * i);
        }
        return value;
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/> starting at register <paramref name="offset"/>.</summary>
    public static void Write(ushort offset, int size, uint value, int registerCount, Action<int, byte> writeRegister)
    {
        for (int i = 0; i < size; i++)
        {
            int register = offset + i;
            if (register < registerCount)
                writeRegister(register, (byte)(value >> (8 * i)));
        }
    }
}
