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
    private Decoder? _decoder16, _decoder32;
    /// <summary>Holds instructions that cross a page boundary (decoded every time, never cached).</summary>
    private DecodedInstruction _uncached;

    private ref DecodedInstruction Fetch()
    {
        uint eip = Eip;
        ref var cs = ref Segs[Seg.CS];
        if (ProtectedMode && eip > cs.Limit && !V86Mode)
            throw GP();
        uint la = cs.Base + eip;
        ulong phys = TranslateFetch(la);
        ulong tag = phys | (Code32 ? InstructionCache.Code32Bit : 0) | InstructionCache.ValidBit;
        ref var e = ref _icache.Slot(phys);
        if (e.Tag == tag && (uint)e.I.IP == eip)
            return ref e;
        return ref Decode(ref e, eip, la, phys, tag);
    }

    /// <summary>The physical address of an instruction byte: code must come from RAM.</summary>
    private ulong TranslateFetch(uint la)
    {
        ref var t = ref _tlb[(la >> 12) & (TlbSize - 1)];
        if (t.Tag != TlbTag(la))
            Fill(ref t, la, write: false, Cpl == 3);
        if (t.Read == null)
            throw FetchFromNonRam(la, (t.PhysicalPage << 12) | (la & PageOffsetMask));
        return (t.PhysicalPage << 12) | (la & PageOffsetMask);
    }

    private ref DecodedInstruction Decode(ref DecodedInstruction e, uint eip, uint la, ulong phys, ulong tag)
    {
        int inPage = (int)Math.Min(FetchBuffer.MaxLength, PhysicalMemory.PageSize - (la & PageOffsetMask));
        byte* host = Phys.Host(phys);
        for (int i = 0; i < inPage; i++)
            _fetch.Bytes[i] = host[i];
        var decoder = Code32 ? (_decoder32 ??= Decoder.Create(32, _fetch)) : (_decoder16 ??= Decoder.Create(16, _fetch));
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
            RevokeDirectWrites(phys >> 12);
        return ref e;
    }

    /// <summary>Computes the per-instruction attributes the executor needs from the prefixes and operands.</summary>
    private void Prepare(ref DecodedInstruction e, in Instruction instr, ulong tag)
    {
        e.I = instr;
        e.Tag = tag;
        e.Length = (byte)instr.Length;
        bool opPrefix = false, addrPrefix = false;
        for (int i = 0; i < instr.Length; i++)
        {
            byte b = _fetch.Bytes[i];
            if (b == 0x66) opPrefix = true;
            else if (b == 0x67) addrPrefix = true;
            else if (b is not (0x26 or 0x2E or 0x36 or 0x3E or 0x64 or 0x65 or 0xF0 or 0xF2 or 0xF3))
                break;
        }
        e.OpSize = (byte)(Code32 ^ opPrefix ? 4 : 2);
        e.AddrSize = (byte)(Code32 ^ addrPrefix ? 4 : 2);
        e.DataSize = instr.OpCount > 0 && instr.Op0Kind == OpKind.Register ? (byte)RegSize(instr.Op0Register)
            : instr.OpCount > 0 && instr.Op0Kind == OpKind.Memory ? (byte)Math.Clamp(instr.MemorySize.GetSize(), 0, 255)
            : e.OpSize;
    }
}
