using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Random 64-bit programs for the differential tests (LongModeDifferentialTests): the 64-bit
/// integer set at every operand size (REX registers, REX.W, byte registers SPL..R15B, 32-bit
/// writes that zero-extend, 16-bit writes that do not), memory through base + index + displacement
/// and RIP-relative operands, shifts and rotates by immediates and CL, MUL/IMUL/DIV, CMOVcc/SETcc,
/// BT*, XADD/CMPXCHG, PUSH/POP, MOVSXD/CDQE/CQO, forward and backward branches, the odd port write
/// and the odd store into the program's own code. Kept apart from the tests so the same programs
/// can drive the 64-bit fast forms and the translator as they arrive.
/// </summary>
public static class LongModeProgramGenerator
{
    /// <summary>Where the programs expect their data: the pointer registers are set into it (see <see cref="PointerRegisters"/>).</summary>
    public const ulong DataAddress = 0x30000;

    private static readonly AssemblerRegister64[] Regs64 = [rax, rcx, rdx, rbx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15];
    private static readonly AssemblerRegister32[] Regs32 = [eax, ecx, edx, ebx, esi, edi, ebp, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
    private static readonly AssemblerRegister16[] Regs16 = [ax, cx, dx, bx, si, di, bp, r8w, r9w, r10w, r11w, r12w, r13w, r14w, r15w];
    private static readonly AssemblerRegister8[] Regs8 = [al, cl, dl, bl, sil, dil, bpl, spl, r8b, r9b, r10b, r11b, r12b, r13b, r14b, r15b];

    /// <summary>Registers the caller points into the data area (0x100 apart from <see cref="DataAddress"/>); programs use them as bases and never write them.</summary>
    public static readonly Register[] PointerRegisters = [Register.RSI, Register.RDI, Register.R12, Register.R13];
    private static readonly AssemblerRegister64[] Pointers = [rsi, rdi, r12, r13];
    private static readonly AssemblerRegister64[] Writable = [rax, rcx, rdx, rbx, rbp, r8, r9, r10, r11, r14, r15];

    /// <summary>A program of <paramref name="count"/> instructions assembled at <paramref name="address"/>, eight 32-byte RIP-relative data blocks after it.</summary>
    public static byte[] Generate(Random rng, ulong address, int count = 300)
    {
        var a = new Assembler(64);
        var labels = new Label[count + 1];
        for (int i = 0; i <= count; i++)
            labels[i] = a.CreateLabel();
        var ripData = new Label[8]; // RIP-relative targets, 32 bytes apart after the code
        for (int i = 0; i < ripData.Length; i++)
            ripData[i] = a.CreateLabel();
        int W() => rng.Next(Writable.Length);
        AssemblerRegister64 R() => Writable[W()];
        AssemblerRegister64 Any() => Regs64[rng.Next(Regs64.Length)];
        AssemblerRegister32 R32() => Regs32[Array.IndexOf(Regs64, R())];
        AssemblerRegister16 R16() => Regs16[Array.IndexOf(Regs64, R())];
        AssemblerRegister8 R8()
        {
            var r = Regs8[rng.Next(Regs8.Length)];
            return r == spl || r == sil || r == dil ? bl : r; // SPL is RSP and SIL/DIL are pointers
        }
        AssemblerMemoryOperand M() => rng.Next(4) switch
        {
            0 => __[ripData[rng.Next(ripData.Length)]],
            1 => Pointers[rng.Next(Pointers.Length)] + Pointers[rng.Next(Pointers.Length)] + rng.Next(-64, 192),
            _ => Pointers[rng.Next(Pointers.Length)] + rng.Next(-64, 192),
        };
        long I() => rng.Next(5) switch
        {
            0 => rng.Next(-4, 4),
            1 => int.MinValue,
            2 => rng.Next(256),
            3 => 0x7FFF_FFFF,
            _ => rng.Next(),
        };
        for (int i = 0; i < count; i++)
        {
            a.Label(ref labels[i]);
            switch (rng.Next(40))
            {
                case 0: a.mov(R(), Any()); break;
                case 1: a.mov(R(), rng.Next(3) == 0 ? unchecked((long)0x8000_0000_0000_0001) : (long)rng.Next() << rng.Next(33)); break;
                case 2: a.mov(R(), __qword_ptr[M()]); break;
                case 3: a.mov(__qword_ptr[M()], Any()); break;
                case 4: a.mov(R32(), __dword_ptr[M()]); break;
                case 5: a.mov(__dword_ptr[M()], (int)I()); break;
                case 6: a.add(R(), Any()); break;
                case 7: a.add(R(), (int)I()); break;
                case 8: a.sub(R(), __qword_ptr[M()]); break;
                case 9: a.add(__qword_ptr[M()], R()); break;
                case 10: a.adc(R(), Any()); break;
                case 11: a.sbb(R32(), R32()); break;
                case 12: a.cmp(R(), (int)I()); break;
                case 13: a.cmp(__qword_ptr[M()], R()); break;
                case 14: a.and(R(), (int)I()); break;
                case 15: a.or(R32(), R32()); break;
                case 16: a.xor(R(), Any()); break;
                case 17: a.test(R(), Any()); break;
                case 18:
                    switch (rng.Next(4))
                    {
                        case 0: a.inc(R()); break;
                        case 1: a.dec(R32()); break;
                        case 2: a.neg(R()); break;
                        default: a.not(R16()); break;
                    }
                    break;
                case 19: a.lea(R(), __[Any() + Any() * 8 + rng.Next(-100, 100)]); break;
                case 20: a.push(Any()); break;
                case 21: a.pop(R()); break;
                case 22:
                {
                    byte by = (byte)(rng.Next(4) == 0 ? 1 : rng.Next(70));
                    switch (rng.Next(9))
                    {
                        case 0: a.shl(R(), by); break;
                        case 1: a.shr(R(), by); break;
                        case 2: a.sar(R32(), by); break;
                        case 3: a.rol(R(), by); break;
                        case 4: a.ror(R16(), by); break;
                        case 5: a.rcl(R(), cl); break;
                        case 6: a.shr(R(), cl); break;
                        case 7: a.shld(R(), R(), by); break;
                        default: a.shrd(R(), R(), cl); break;
                    }
                    break;
                }
                case 23:
                    switch (rng.Next(5))
                    {
                        case 0: a.mul(R()); break;
                        case 1: a.imul(R(), Any()); break;
                        case 2: a.imul(R(), Any(), (int)I()); break;
                        case 3: a.imul(R32()); break;
                        default:
                            if (rng.Next(8) == 0)
                                a.div(R()); // #DE ends the program now and then (no IDT: a triple fault)
                            else
                                a.imul(R16(), R16());
                            break;
                    }
                    break;
                case 24:
                    switch (rng.Next(6))
                    {
                        case 0: a.movsxd(R(), R32()); break;
                        case 1: a.cdqe(); break;
                        case 2: a.cqo(); break;
                        case 3: a.movzx(R(), R8()); break;
                        case 4: a.movsx(R(), __word_ptr[M()]); break;
                        default: a.bswap(R()); break;
                    }
                    break;
                case 25: a.mov(R8(), R8()); break;
                case 26: a.add(__byte_ptr[M()], R8()); break;
                case 27: a.mov(R16(), (short)rng.Next(-1000, 1000)); break;
                case 28:
                    switch (rng.Next(4))
                    {
                        case 0: a.cmove(R(), Any()); break;
                        case 1: a.cmovl(R32(), __dword_ptr[M()]); break;
                        case 2: a.seta(R8()); break;
                        default: a.setle(__byte_ptr[M()]); break;
                    }
                    break;
                case 29:
                    switch (rng.Next(5))
                    {
                        case 0: a.bt(R(), (byte)rng.Next(64)); break;
                        case 1: a.bts(R(), R()); break;
                        case 2: a.btc(__qword_ptr[M()], (byte)rng.Next(64)); break;
                        case 3: a.bsf(R(), Any()); break;
                        default: a.bsr(R32(), R32()); break;
                    }
                    break;
                case 30:
                    switch (rng.Next(3))
                    {
                        case 0: a.xadd(__qword_ptr[M()], R()); break;
                        case 1: a.cmpxchg(R(), R()); break;
                        default: a.xchg(R(), R()); break;
                    }
                    break;
                case 31:
                case 32:
                case 33:
                {
                    int target = rng.Next(8) == 0 ? rng.Next(0, i + 1) : Math.Min(count, i + 1 + rng.Next(6));
                    var l = labels[target];
                    switch (rng.Next(8))
                    {
                        case 0: a.je(l); break;
                        case 1: a.jne(l); break;
                        case 2: a.jb(l); break;
                        case 3: a.jl(l); break;
                        case 4: a.jg(l); break;
                        case 5: a.js(l); break;
                        case 6: a.jbe(l); break;
                        default: a.jo(l); break;
                    }
                    break;
                }
                case 34: a.jmp(labels[Math.Min(count, i + 1 + rng.Next(4))]); break;
                case 35:
                {
                    // CALL to the next instruction and a POP, or a call/ret pair around one instruction.
                    var after = a.CreateLabel();
                    a.call(after);
                    a.Label(ref after);
                    a.pop(R());
                    break;
                }
                case 36:
                    if (rng.Next(6) == 0)
                        a.@out(dx, al); // a port write: an Io exit
                    else
                        a.lahf();
                    break;
                case 37:
                    if (rng.Next(10) == 0)
                        a.mov(__byte_ptr[labels[Math.Min(count, i + 1 + rng.Next(8))]], (byte)0x90); // a store into code ahead
                    else
                        a.nop();
                    break;
                case 38: a.sub(__dword_ptr[M()], R32()); break;
                default: a.mov(__word_ptr[M()], R16()); break;
            }
        }
        a.Label(ref labels[count]);
        a.hlt();
        var data = new byte[32];
        for (int i = 0; i < ripData.Length; i++)
        {
            a.Label(ref ripData[i]);
            rng.NextBytes(data);
            a.db(data);
        }
        var writer = new Writer();
        a.Assemble(writer, address);
        return [.. writer.Bytes];
    }

    private sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
