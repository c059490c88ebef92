using Iced.Intel;

namespace Hypervisor.X86.Decoding;

/// <summary>How the executor reaches an operand, resolved once at decode time.</summary>
internal enum OperandAccess : byte
{
    /// <summary>Anything else: read through Iced's accessors (rare forms).</summary>
    Other,
    Reg32,
    /// <summary>A 64-bit general register (64-bit mode, REX.W).</summary>
    Reg64,
    Reg16,
    Reg8Low,
    Reg8High,
    Segment,
    Memory,
    Immediate,
}

/// <summary>
/// An instruction decoded by Iced plus what the executor needs every time it runs it, computed once
/// at decode: operand-size and address-size attributes, the size of the main operand, the register
/// numbers and addressing form of the operands, the immediate, and the cache tag.
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
    /// <summary>The next instruction starts in the same page (a block may look it up by physical address).</summary>
    public bool NextInPage;
    /// <summary>The EIP it was decoded at (entries are valid only there: branch targets depend on it).</summary>
    public ulong Rip;
    /// <summary>The EIP after it (IP wraps at 64 KiB in 16-bit code).</summary>
    public ulong NextRip;
    /// <summary>The executor's dispatch number for the mnemonic.</summary>
    public ExecOp Op;

    public OperandAccess Access0, Access1, Access2;
    /// <summary>Register number (ModRM order; for high-byte registers the low register's number) or segment number.</summary>
    public byte Reg0, Reg1, Reg2;

    /// <summary>Memory operand: segment number, base and index register numbers (-1 none), scale as a shift, displacement.</summary>
    public byte MemSegment;
    public sbyte MemBase, MemIndex;
    public byte MemScaleShift;
    /// <summary>Sign-extended to 64 bits for 64-bit addressing (RIP-relative: the absolute target, as the entry is keyed by RIP).</summary>
    public ulong MemDisplacement;
    /// <summary>The immediate operand, sign-extended as encoded.</summary>
    public uint Immediate;

    /// <summary>The form with its own handler in Execution/FastPath.cs, or <see cref="FastForm.None"/>.</summary>
    public FastForm Fast;
    /// <summary>64-bit mode: the fast form writes a 32-bit register operand 0, whose upper half is then cleared.</summary>
    public bool ZeroExtendsReg0;
    /// <summary>A locked read-modify-write on a VM with several vCPUs: runs through Smp/CpuAtomics.cs, never a fast form.</summary>
    public bool Atomic;
    /// <summary>A cached instruction after which a block runs on to the next one (see FastForms.ContinuesBlock).</summary>
    public bool ContinuesBlock;
    /// <summary>Jcc: the condition number tttn (SDM Vol. 1, B.1).</summary>
    public byte Condition;
    /// <summary>Near relative JMP/CALL/Jcc: the target EIP (already cut to the operand size).</summary>
    public ulong Target;

    /// <summary>The translated block that starts here (Translation/), or null.</summary>
    public Translation.TranslatedBlock? Block;
    /// <summary>How often a block started here in the interpreter; <see cref="Translation.TranslatedBlock.Untranslatable"/> when translation failed.</summary>
    public ushort Heat;
}
