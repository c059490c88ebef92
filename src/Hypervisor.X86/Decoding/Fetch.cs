using Hypervisor.X86.Decoding;
using Hypervisor.X86.Memory;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Instruction fetch: CS:EIP to physical address, then the decoded-instruction cache; a miss decodes
/// with Iced and records the bytes as code so stores to them invalidate the entry.
/// </summary>
internal sealed unsafe partial class Cpu
{
    private readonly FetchBuffer _fetch = new();
    private Decoder? _decoder16, _decoder32, _decoder64;
    /// <summary>Holds instructions that cross a page boundary (decoded every time, never cached).</summary>
    private DecodedInstruction _uncached;
    /// <summary>CS base and limit, kept by <see cref="StateChanged"/>.</summary>
    private uint _csBase, _csLimit;
    /// <summary>The highest EIP code may reach (blocks, near branches): the CS limit when segments are checked, else any.</summary>
    private uint _eipLimit = uint.MaxValue;
    /// <summary>The linear page instructions were last fetched from and its physical page (skips the TLB
    /// while execution stays in one page); <see cref="NoFetchPage"/> when unset. Reset on TLB flushes and mode changes.</summary>
    private ulong _fetchPage = NoFetchPage;
    private ulong _fetchPhysicalBase;
    private const uint NoFetchPage = 1;

    private ref DecodedInstruction Fetch()
    {
        ulong eip = Rip;
        if (_segmentChecks && eip > _csLimit)
            throw GP();
        ulong la = (_csBase + eip) & _linearMask;
        ulong phys;
        if ((la & LinearPageMask) == _fetchPage)
        {
            phys = _fetchPhysicalBase | (la & PageOffsetMask);
        }
        else
        {
            phys = TranslateFetch(la);
            _fetchPage = la & LinearPageMask;
            _fetchPhysicalBase = phys & ~(ulong)PageOffsetMask;
        }
        ulong tag = phys | CodeModeBits | InstructionCache.ValidBit;
        ref var e = ref _icache.Slot(phys);
        if (e.Tag == tag && e.Rip == eip)
            return ref e;
        return ref Decode(ref e, eip, la, phys, tag);
    }

    /// <summary>The physical address of an instruction byte: code must come from RAM.</summary>
    private ulong TranslateFetch(ulong la)
    {
        ref var t = ref _tlb[(la >> 12) & (TlbSize - 1)];
        if (t.Tag != TlbTag(la) || t.NoExecute)
            FillForFetch(ref t, la);
        if (t.Read == null)
            throw FetchFromNonRam(la, (t.PhysicalPage << 12) | (la & PageOffsetMask));
        return (t.PhysicalPage << 12) | (la & PageOffsetMask);
    }

    /// <summary>TLB miss or a no-execute page on a fetch: walk with the I/D bit for #PF error codes.</summary>
    private void FillForFetch(ref Memory.TlbEntry t, ulong la)
    {
        _walkIsFetch = true;
        try
        {
            if (t.Tag != TlbTag(la))
                Fill(ref t, la, write: false, Cpl == 3);
            if (t.NoExecute)
                throw PageFault(la, PfPresent, false, Cpl == 3);
        }
        finally
        {
            _walkIsFetch = false;
        }
    }

    private ref DecodedInstruction Decode(ref DecodedInstruction e, ulong eip, ulong la, ulong phys, ulong tag)
    {
        int inPage = (int)Math.Min(FetchBuffer.MaxLength, PhysicalMemory.PageSize - (la & PageOffsetMask));
        byte* host = Phys.Host(phys);
        for (int i = 0; i < inPage; i++)
            _fetch.Bytes[i] = host[i];
        var decoder = Code64 ? (_decoder64 ??= Decoder.Create(64, _fetch))
            : Code32 ? (_decoder32 ??= Decoder.Create(32, _fetch)) : (_decoder16 ??= Decoder.Create(16, _fetch));
        _fetch.Reset(inPage);
        decoder.IP = eip;
        decoder.Decode(out var instr);
        if (instr.IsInvalid && decoder.LastError == DecoderError.NoMoreBytes && inPage < FetchBuffer.MaxLength)
        {
            // The instruction continues on the next page: fetch those bytes too (they may fault).
            ulong nextPhys = TranslateFetch(la + (uint)inPage);
            byte* next = Phys.Host(nextPhys);
            for (int i = inPage; i < FetchBuffer.MaxLength; i++)
                _fetch.Bytes[i] = next[i - inPage];
            _fetch.Reset(FetchBuffer.MaxLength);
            decoder.IP = eip;
            decoder.Decode(out instr);
            Prepare(ref _uncached, in instr, 0);
            return ref _uncached;
        }
        Prepare(ref e, in instr, tag);
        if (Phys.MarkCode(phys, Math.Max(instr.Length, 1)))
        {
            RevokeDirectWrites(phys >> 12);
            if (_peers.Length != 0)
                PeersRevokeDirectWrites(phys >> 12);
        }
        return ref e;
    }

    /// <summary>
    /// What this CPU makes of an encoding Iced names after a later extension. Without BMI1/LZCNT in
    /// CPUID, F3 0F BC/BD are BSF/BSR with an ignored REP prefix (compilers emit TZCNT as "rep bsf"
    /// because it runs on both); without CET, ENDBR/RDSSP are NOPs.
    /// </summary>
    private static Mnemonic AsThisCpuExecutes(Mnemonic m) => m switch
    {
        Mnemonic.Tzcnt => Mnemonic.Bsf,
        Mnemonic.Lzcnt => Mnemonic.Bsr,
        // CET's ENDBR and RDSSP sit in the hint-NOP space (F3 0F 1E): a CPU without CET runs them
        // as NOPs, which is what compilers and glibc count on.
        Mnemonic.Endbr64 or Mnemonic.Endbr32 or Mnemonic.Rdsspd or Mnemonic.Rdsspq => Mnemonic.Nop,
        _ => m,
    };

    /// <summary>Computes the per-instruction attributes the executor needs from the prefixes and operands.</summary>
    private void Prepare(ref DecodedInstruction e, in Instruction instr, ulong tag)
    {
        e.I = instr;
        e.Tag = tag;
        e.Block = null;
        e.Heat = 0;
        e.Length = (byte)instr.Length;
        e.Rip = instr.IP;
        e.NextRip = Code64 ? e.Rip + (uint)instr.Length : Code32 ? (uint)(e.Rip + (uint)instr.Length) : (e.Rip + (uint)instr.Length) & 0xFFFF;
        e.NextInPage = (tag & PageOffsetMask) + (ulong)instr.Length < PhysicalMemory.PageSize
            && e.NextRip == e.Rip + (uint)instr.Length; // not where IP wraps to 0
        e.Op = ExecOps.For(AsThisCpuExecutes(instr.Mnemonic));
        bool opPrefix = false, addrPrefix = false;
        for (int i = 0; i < instr.Length; i++)
        {
            byte b = _fetch.Bytes[i];
            if (b == 0x66) opPrefix = true;
            else if (b == 0x67) addrPrefix = true;
            else if (b is not (0x26 or 0x2E or 0x36 or 0x3E or 0x64 or 0x65 or 0xF0 or 0xF2 or 0xF3))
                break;
        }
        if (Code64)
        {
            // REX.W and the instructions that default to 64 bits (near branches, PUSH/POP, ...) say
            // 64 through the encoding's operand size; 66 gives 16; everything else is 32.
            int encoded = instr.Code.ToOpCode().OperandSize;
            e.OpSize = (byte)(encoded == 64 ? 8 : encoded == 16 || (encoded == 0 && opPrefix) ? 2 : 4);
            e.AddrSize = (byte)(addrPrefix ? 4 : 8);
        }
        else
        {
            e.OpSize = (byte)(Code32 ^ opPrefix ? 4 : 2);
            e.AddrSize = (byte)(Code32 ^ addrPrefix ? 4 : 2);
        }
        e.DataSize = instr.OpCount > 0 && instr.Op0Kind == OpKind.Register ? (byte)RegSize(instr.Op0Register)
            : instr.OpCount > 0 && instr.Op0Kind == OpKind.Memory ? (byte)Math.Clamp(instr.MemorySize.GetSize(), 0, 255)
            : e.OpSize;
        e.Access0 = e.Access1 = e.Access2 = OperandAccess.Other;
        e.Immediate = 0;
        for (int op = 0; op < Math.Min((int)instr.OpCount, 3); op++)
        {
            var (access, reg) = Classify(in instr, op, ref e);
            switch (op)
            {
                case 0: e.Access0 = access; e.Reg0 = reg; break;
                case 1: e.Access1 = access; e.Reg1 = reg; break;
                default: e.Access2 = access; e.Reg2 = reg; break;
            }
        }
        e.MemSegment = 0;
        e.MemBase = e.MemIndex = -1;
        e.MemScaleShift = 0;
        e.MemDisplacement = 0;
        if (instr.MemorySegment != Register.None)
        {
            e.MemSegment = (byte)(instr.MemorySegment - Register.ES);
            e.MemBase = GprNumber(instr.MemoryBase);
            e.MemIndex = GprNumber(instr.MemoryIndex);
            e.MemScaleShift = (byte)System.Numerics.BitOperations.Log2((uint)Math.Max(instr.MemoryIndexScale, 1));
            // RIP-relative: Iced gives the absolute target, right for this entry (it is keyed by RIP).
            e.MemDisplacement = Code64 ? instr.MemoryDisplacement64 : instr.MemoryDisplacement32;
            if (instr.MemoryBase is Register.RIP or Register.EIP)
                e.MemBase = -1;
        }
        e.Condition = instr.ConditionCode == ConditionCode.None ? (byte)0 : (byte)((int)instr.ConditionCode - 1);
        e.Target = instr.OpCount > 0 && instr.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 ? NearTarget(ref e) : 0;
        e.Atomic = SharedMemory && IsLockedReadModifyWrite(in instr, e.Op);
        e.ZeroExtendsReg0 = false;
        e.Fast = !FastPathEnabled || e.Atomic ? FastForm.None : Code64 ? FastForms64.Classify(ref e) : FastForms.Classify(ref e);
        e.ContinuesBlock = FastPathEnabled && tag != 0 && FastForms.ContinuesBlock(ref e);
    }

    /// <summary>The ModRM number (with REX's fourth bit) of a 16-, 32- or 64-bit general register, or -1 (none, or not a plain GPR).</summary>
    private static sbyte GprNumber(Register r)
    {
        int v = (int)r;
        if ((uint)(v - (int)Register.RAX) < 16)
            return (sbyte)(v - (int)Register.RAX);
        if ((uint)(v - (int)Register.EAX) < 16)
            return (sbyte)(v - (int)Register.EAX);
        if ((uint)(v - (int)Register.AX) < 16)
            return (sbyte)(v - (int)Register.AX);
        return -1;
    }

    /// <summary>The decode mode of the current code: the icache tag bits that keep 16-, 32- and 64-bit decodings apart.</summary>
    private ulong CodeModeBits => Code64 ? InstructionCache.Code64Bit : Code32 ? InstructionCache.Code32Bit : 0;

    private static (OperandAccess, byte) Classify(in Instruction instr, int op, ref DecodedInstruction e)
    {
        switch (instr.GetOpKind(op))
        {
            case OpKind.Register:
            {
                int v = (int)instr.GetOpRegister(op);
                if ((uint)(v - (int)Register.RAX) < 16) return (OperandAccess.Reg64, (byte)(v - (int)Register.RAX));
                if ((uint)(v - (int)Register.EAX) < 16) return (OperandAccess.Reg32, (byte)(v - (int)Register.EAX));
                if ((uint)(v - (int)Register.AX) < 16) return (OperandAccess.Reg16, (byte)(v - (int)Register.AX));
                if ((uint)(v - (int)Register.AL) < 4) return (OperandAccess.Reg8Low, (byte)(v - (int)Register.AL));
                if ((uint)(v - (int)Register.AH) < 4) return (OperandAccess.Reg8High, (byte)(v - (int)Register.AH));
                if ((uint)(v - (int)Register.SPL) < 12) return (OperandAccess.Reg8Low, (byte)(v - (int)Register.SPL + 4)); // SPL..DIL, R8L..R15L
                if ((uint)(v - (int)Register.ES) < 6) return (OperandAccess.Segment, (byte)(v - (int)Register.ES));
                return (OperandAccess.Other, 0);
            }
            case OpKind.Memory:
                return (OperandAccess.Memory, 0);
            case OpKind.Immediate8:
            case OpKind.Immediate16:
            case OpKind.Immediate32:
            case OpKind.Immediate8to16:
            case OpKind.Immediate8to32:
            case OpKind.Immediate8to64:
            case OpKind.Immediate32to64:
                e.Immediate = (uint)instr.GetImmediate(op); // a 64-bit operand sign-extends it again (ReadOp)
                return (OperandAccess.Immediate, 0);
            default:
                return (OperandAccess.Other, 0);
        }
    }
}
