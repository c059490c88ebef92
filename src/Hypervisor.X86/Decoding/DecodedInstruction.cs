using Iced.Intel;

namespace Hypervisor.X86.Decoding;

/// <summary>
/// An instruction decoded by Iced plus what the executor needs every time it runs it, computed once
/// at decode: the operand-size and address-size attributes, the size of the main operand and the
/// cache tag (physical address and code size).
/// </summary>
internal struct DecodedInstruction
{
    public Instruction I;
    /// <summary>Physical address | <see cref="InstructionCache.Code32Bit"/> | <see cref="InstructionCache.ValidBit"/>; 0 = empty.</summary>
    public ulong Tag;
    /// <summary>Operand-size attribute in bytes (2 or 4).</summary>
    public byte OpSize;
    /// <summary>Address-size attribute in bytes (2 or 4).</summary>
    public byte AddrSize;
    /// <summary>Size in bytes of operand 0 (register or memory), else <see cref="OpSize"/>.</summary>
    public byte DataSize;
    /// <summary>Instruction length in bytes.</summary>
    public byte Length;
}
