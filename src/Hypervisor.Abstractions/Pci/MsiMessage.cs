namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// An MSI / MSI-X message as the x86 platform reads it (SDM Vol. 3, 11.11): a dword write to
/// 0xFEExxxxx whose address names the destination and whose data names the vector and delivery mode.
/// </summary>
public static class MsiMessage
{
    /// <summary>Message addresses live in the 1 MiB at 0xFEE00000.</summary>
    public const ulong AddressBase = 0xfee0_0000;
    public const ulong AddressMask = 0xffff_ffff_fff0_0000;

    /// <summary>
    /// Decodes <paramref name="address"/> and <paramref name="data"/> into the APIC bus message the
    /// write stands for. False when the address is not in the interrupt range (a message to nowhere).
    /// </summary>
    public static bool TryDecode(ulong address, uint data, out ApicMessage message)
    {
        message = default;
        if ((address & AddressMask) != AddressBase)
            return false;
        message = new ApicMessage(
            Vector: (byte)data,
            DeliveryMode: (ApicDeliveryMode)((data >> 8) & 7),
            Destination: (byte)(address >> 12),
            LogicalDestination: (address & (1 << 2)) != 0,
            LevelTriggered: (data & (1 << 15)) != 0);
        return true;
    }

    /// <summary>The address and data that ask for <paramref name="vector"/>, fixed delivery, on the APIC with ID <paramref name="apicId"/> (what a test driver writes).</summary>
    public static (ulong Address, uint Data) Encode(byte apicId, byte vector) => (AddressBase | (ulong)apicId << 12, vector);
}
