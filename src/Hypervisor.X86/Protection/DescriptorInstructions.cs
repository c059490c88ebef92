using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// LGDT, LIDT, SGDT, SIDT, LLDT, SLDT, LTR, STR, LAR, LSL, VERR, VERW, ARPL (SDM Vol. 2). The
/// selector-inspecting ones are #UD outside protected mode and report through ZF.
/// </summary>
internal sealed partial class Cpu
{
    private void ExecuteDescriptorInstruction(ref DecodedInstruction d)
    {
        var m = d.I.Mnemonic;
        bool needsProtected = m is Mnemonic.Lldt or Mnemonic.Sldt or Mnemonic.Ltr or Mnemonic.Str
            or Mnemonic.Lar or Mnemonic.Lsl or Mnemonic.Verr or Mnemonic.Verw or Mnemonic.Arpl;
        if (needsProtected && (!ProtectedMode || V86Mode))
            throw UD();
        switch (m)
        {
            case Mnemonic.Lgdt:
            case Mnemonic.Lidt:
            {
                RequireCpl0();
                if (d.I.Op0Kind != OpKind.Memory)
                    throw UD();
                int seg = MemorySeg(ref d);
                ulong ea = EffectiveAddress(ref d);
                ushort limit = ReadMem16(seg, ea);
                // 64-bit mode: an 8-byte base (the operand is m16&64 whatever the operand size).
                ulong bas = Code64 ? ReadMem64(seg, ea + 2) : ReadMem32(seg, ea + 2);
                if (d.OpSize == 2 && !Code64)
                    bas &= 0x00FFFFFF;
                if (m == Mnemonic.Lgdt) { GdtBase = bas; GdtLimit = limit; }
                else { IdtBase = bas; IdtLimit = limit; }
                break;
            }
            case Mnemonic.Sgdt:
            case Mnemonic.Sidt:
            {
                if (d.I.Op0Kind != OpKind.Memory)
                    throw UD();
                int seg = MemorySeg(ref d);
                ulong ea = EffectiveAddress(ref d);
                bool gdt = m == Mnemonic.Sgdt;
                WriteMem16(seg, ea, gdt ? GdtLimit : IdtLimit);
                ulong bas = gdt ? GdtBase : IdtBase;
                if (Code64)
                    WriteMem64(seg, ea + 2, bas);
                else
                    WriteMem32(seg, ea + 2, (uint)(d.OpSize == 2 ? bas & 0x00FFFFFF : bas));
                break;
            }
            case Mnemonic.Sldt:
                WriteOp(ref d, 0, d.DataSize, Segs[Seg.Ldtr].Selector);
                break;
            case Mnemonic.Str:
                WriteOp(ref d, 0, d.DataSize, Segs[Seg.Tr].Selector);
                break;
            case Mnemonic.Lldt:
                RequireCpl0();
                Lldt((ushort)ReadOp(ref d, 0, 2));
                break;
            case Mnemonic.Ltr:
                RequireCpl0();
                Ltr((ushort)ReadOp(ref d, 0, 2));
                break;
            case Mnemonic.Lar:
            case Mnemonic.Lsl:
                LarLsl(ref d, m == Mnemonic.Lar);
                break;
            case Mnemonic.Verr:
            case Mnemonic.Verw:
                Verify((ushort)ReadOp(ref d, 0, 2), write: m == Mnemonic.Verw);
                break;
            case Mnemonic.Arpl:
            {
                uint dst = (uint)ReadDest(ref d, 2);
                uint src = (uint)ReadReg(d.I.Op1Register);
                if ((dst & 3) < (src & 3))
                {
                    WriteDest(ref d, 2, (dst & ~3u) | (src & 3));
                    Flags |= Eflags.ZF;
                }
                else
                {
                    Flags &= ~Eflags.ZF;
                }
                break;
            }
        }
    }

    private void Lldt(ushort selector)
    {
        if ((selector & ~SelectorRplMask) == 0)
        {
            Segs[Seg.Ldtr] = new SegmentCache { Selector = selector, Unusable = true };
            return;
        }
        uint error = (uint)(selector & ~SelectorRplMask);
        if ((selector & SelectorTiBit) != 0)
            throw GP(error);
        var d = ReadDescriptorOrFault(selector, Vector.GP, out _);
        if (d.S || d.Type != SystemType.Ldt)
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        Segs[Seg.Ldtr] = d.ToCache(selector);
    }

    private void Ltr(ushort selector)
    {
        uint error = (uint)(selector & ~SelectorRplMask);
        if (error == 0)
            throw GP();
        if ((selector & SelectorTiBit) != 0)
            throw GP(error);
        var d = ReadDescriptorOrFault(selector, Vector.GP, out ulong address);
        if (d.S || d.Type is not (SystemType.Tss16Available or SystemType.Tss32Available))
            throw GP(error);
        if (!d.Present)
            throw Fault(Vector.NP, error);
        WriteSystem(address + 4, 4, d.High | (2u << 8)); // mark busy
        Segs[Seg.Tr] = d.ToCache(selector);
        if (LongModeActive)
            Segs[Seg.Tr].Base |= (ulong)ReadSystem(address + 8, 4) << 32; // a 16-byte descriptor: base bits 63:32
        Segs[Seg.Tr].Type |= 2;
    }

    /// <summary>The descriptor a LAR/LSL/VERR/VERW may see: in the table and visible at CPL and RPL.</summary>
    private bool TryReadVisibleDescriptor(ushort selector, out Descriptor d)
    {
        d = default;
        if ((selector & ~SelectorRplMask) == 0 || !TryReadDescriptor(selector, out d, out _))
            return false;
        bool conformingCode = d.IsConforming;
        return conformingCode || (d.Dpl >= Cpl && d.Dpl >= (selector & SelectorRplMask));
    }

    private void LarLsl(ref DecodedInstruction d, bool lar)
    {
        ushort selector = (ushort)ReadOp(ref d, 1, 2);
        bool ok = TryReadVisibleDescriptor(selector, out var desc);
        if (ok && !desc.S)
        {
            // System types that LAR accepts; LSL accepts those with a limit (no gates).
            ok = desc.Type switch
            {
                SystemType.Tss16Available or SystemType.Ldt or SystemType.Tss16Busy
                    or SystemType.Tss32Available or SystemType.Tss32Busy => true,
                SystemType.CallGate16 or SystemType.TaskGate or SystemType.CallGate32 => lar,
                _ => false,
            };
        }
        if (!ok)
        {
            Flags &= ~Eflags.ZF;
            return;
        }
        uint value = lar ? desc.High & 0x00F0FF00 : desc.Limit;
        WriteReg(d.I.Op0Register, value & SizeMask(d.DataSize));
        Flags |= Eflags.ZF;
    }

    private void Verify(ushort selector, bool write)
    {
        bool ok = TryReadVisibleDescriptor(selector, out var d) && d.S
            && (write ? d.IsWritableData : d.IsReadable);
        if (ok && d.IsCode && !d.IsConforming && (d.Dpl < Cpl || d.Dpl < (selector & SelectorRplMask)))
            ok = false;
        Flags = ok ? Flags | Eflags.ZF : Flags & ~Eflags.ZF;
    }
}
