using Hypervisor.Core.Accel;
using Iced.Intel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Every instruction that touches the stack, for each code size × stack size (SS.B) × operand size
/// (issue 12: POP SS advanced ESP by the new SS's size, an o32 ENTER on a 16-bit stack dropped
/// EBP's high word). The rule (SDM): the operand size decides how many bytes move, the stack size
/// at the time of the access decides whether ESP or SP addresses and changes. ESP starts at
/// 0x20000 (or 0x2FFFC for pops), so a 16-bit stack wraps SP inside its 64 KiB while ESP's high
/// word stays, and a 32-bit one crosses into the next 64 KiB: the two give different addresses.
/// One instruction runs per case, in protected mode at CPL 0 with flat segments from a real GDT.
/// </summary>
public class StackSizeMatrixTests
{
    private const ulong Code = 0x8000, Handler = 0x9000, Gdt = 0x1000, Idt = 0x2000;
    private const ushort Code32Sel = 0x08, Data32Sel = 0x10, Code16Sel = 0x18, Data16Sel = 0x20;
    private const uint PushEsp = 0x20000, PopEsp = 0x2FFFC;
    private const uint Filler = 0xA5A5A5A5;

    public static TheoryData<int, int, int> Sizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int code in new[] { 16, 32 })
            foreach (int stack in new[] { 16, 32 })
                foreach (int op in new[] { 16, 32 })
                    data.Add(code, stack, op);
        return data;
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Push_of_a_register_an_immediate_and_a_segment_register(int code, int stack, int op)
    {
        int o = op / 8;
        uint esp = Sub(PushEsp, o, stack);
        using (var h = Run(code, stack, op, [0x50])) // push eAX
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(0x11223344u & Mask(o), Stored(h, esp, stack, o));
        }
        using (var h = Run(code, stack, op, op == 32 ? [0x68, 0x78, 0x56, 0x34, 0x12] : [0x68, 0x78, 0x56]))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(0x12345678u & Mask(o), Stored(h, esp, stack, o));
        }
        using (var h = Run(code, stack, op, [0x1E])) // push ds
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(Data32Sel, Stored(h, esp, stack, o));
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Pop_of_a_register_and_a_segment_register(int code, int stack, int op)
    {
        int o = op / 8;
        using (var h = Run(code, stack, op, [0x5B], h => Place(h, PopEsp, stack, 4, 0xCAFEF00D))) // pop eBX
        {
            Assert.Equal(Add(PopEsp, o, stack), (uint)h.Regs.Rsp);
            Assert.Equal(op == 32 ? 0xCAFEF00D : 0xBBBBF00D, (uint)h.Regs.Rbx);
        }
        using (var h = Run(code, stack, op, [0x07], h => Place(h, PopEsp, stack, 4, Data16Sel))) // pop es
        {
            Assert.Equal(Add(PopEsp, o, stack), (uint)h.Regs.Rsp);
            Assert.Equal(Data16Sel, h.Vcpu.GetSpecialRegisters().Es.Selector);
        }
    }

    /// <summary>POP SS loading a segment of the other size reads and moves ESP with the old SS's size.</summary>
    [Theory, MemberData(nameof(Sizes))]
    public void Pop_ss_advances_the_stack_pointer_by_the_old_stack_size(int code, int stack, int op)
    {
        int o = op / 8;
        ushort other = stack == 16 ? Data32Sel : Data16Sel;
        using var h = Run(code, stack, op, [0x17], h => Place(h, PopEsp, stack, 4, other));
        Assert.Equal(Add(PopEsp, o, stack), (uint)h.Regs.Rsp);
        var ss = h.Vcpu.GetSpecialRegisters().Ss;
        Assert.Equal(other, ss.Selector);
        Assert.Equal(stack == 16, ss.Db);
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Pushf_and_popf(int code, int stack, int op)
    {
        int o = op / 8;
        uint esp = Sub(PushEsp, o, stack);
        using (var h = Run(code, stack, op, [0x9C]))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(2u, Stored(h, esp, stack, o));
        }
        const uint flags = 0x40CD7; // AC, OF, DF, SF, ZF, AF, PF, CF and bit 1
        using (var h = Run(code, stack, op, [0x9D], h => Place(h, PopEsp, stack, 4, flags)))
        {
            Assert.Equal(Add(PopEsp, o, stack), (uint)h.Regs.Rsp);
            Assert.Equal(flags & Mask(o) | 2, (uint)h.Regs.Rflags & 0x40FFF);
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Pusha_and_popa(int code, int stack, int op)
    {
        int o = op / 8;
        uint esp = Sub(PushEsp, 8 * o, stack);
        using (var h = Run(code, stack, op, [0x60]))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            // EDI is lowest; ESP is pushed as it was before the instruction.
            uint[] expected = [0x11223344, 0xCCCC0001, 0xDDDD0002, 0xBBBBBBBB, PushEsp, 0x55550005, 0x66660006, 0x77770007];
            for (int i = 0; i < 8; i++)
                Assert.Equal(expected[i] & Mask(o), Stored(h, Sub(esp, -(7 - i) * o, stack), stack, o));
        }
        using (var h = Run(code, stack, op, [0x61], h =>
        {
            for (int i = 0; i < 8; i++)
                Place(h, Add(PopEsp, i * o, stack), stack, o, 0x10101010u * (uint)(i + 1));
        }))
        {
            Assert.Equal(Add(PopEsp, 8 * o, stack), (uint)h.Regs.Rsp);
            uint Expect(uint before, int slot) => op == 32 ? 0x10101010u * (uint)(slot + 1) : (before & 0xFFFF0000) | (0x1010u * (uint)(slot + 1));
            Assert.Equal(Expect(0x77770007, 0), (uint)h.Regs.Rdi);
            Assert.Equal(Expect(0x55550005, 2), (uint)h.Regs.Rbp);
            Assert.Equal(Expect(0xBBBBBBBB, 4), (uint)h.Regs.Rbx);
            Assert.Equal(Expect(0x11223344, 7), (uint)h.Regs.Rax);
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Near_call_and_ret_with_and_without_a_release_count(int code, int stack, int op)
    {
        int o = op / 8;
        uint esp = Sub(PushEsp, o, stack);
        byte[] call = op == 32 ? [0xE8, 0, 0, 0, 0] : [0xE8, 0, 0];
        using (var h = Run(code, stack, op, call))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            uint next = (uint)Code + (uint)call.Length + (op != code ? 1u : 0u);
            Assert.Equal(next, Stored(h, esp, stack, o));
        }
        foreach (byte[] ret in new byte[][] { [0xC3], [0xC2, 6, 0] })
        {
            using var h = Run(code, stack, op, ret, h => Place(h, PopEsp, stack, 4, (uint)Handler));
            Assert.Equal(Add(PopEsp, o + (ret.Length == 3 ? 6 : 0), stack), (uint)h.Regs.Rsp);
            Assert.Equal(Handler + 1, h.Regs.Rip); // past the HLT there
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Far_call_and_far_return(int code, int stack, int op)
    {
        int o = op / 8;
        ushort cs = code == 32 ? Code32Sel : Code16Sel;
        uint esp = Sub(PushEsp, 2 * o, stack);
        byte[] call = op == 32 ? [0x9A, 0, 0x90, 0, 0, (byte)cs, 0] : [0x9A, 0, 0x90, (byte)cs, 0];
        using (var h = Run(code, stack, op, call))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(Handler + 1, h.Regs.Rip);
            uint next = (uint)Code + (uint)call.Length + (op != code ? 1u : 0u);
            Assert.Equal(next, Stored(h, esp, stack, o));
            Assert.Equal(cs, Stored(h, Add(esp, o, stack), stack, o));
        }
        using (var h = Run(code, stack, op, [0xCA, 4, 0], h =>
        {
            Place(h, PopEsp, stack, o, (uint)Handler);
            Place(h, Add(PopEsp, o, stack), stack, o, cs);
        }))
        {
            Assert.Equal(Add(PopEsp, 2 * o + 4, stack), (uint)h.Regs.Rsp);
            Assert.Equal(Handler + 1, h.Regs.Rip);
        }
    }

    /// <summary>The case: o32 ENTER 8,4 on a 16-bit stack with ESP = 0x20000 sets EBP = 0x1FFFC.</summary>
    [Theory, MemberData(nameof(Sizes))]
    public void Enter_with_nesting_and_leave(int code, int stack, int op)
    {
        int o = op / 8;
        const uint ebp = 0x00034000; // its high word differs from ESP's
        uint frameTemp = PushEsp - (uint)o;
        using (var h = Run(code, stack, op, [0xC8, 8, 0, 4], h =>
        {
            for (int i = 1; i < 4; i++)
                Place(h, Sub(ebp, i * o, stack), stack, o, 0x01010101u * (uint)i);
        }, ebp))
        {
            Assert.Equal(op == 32 ? frameTemp : (ebp & 0xFFFF0000) | (frameTemp & 0xFFFF), (uint)h.Regs.Rbp);
            Assert.Equal(Sub(PushEsp, 5 * o + 8, stack), (uint)h.Regs.Rsp);
            Assert.Equal(ebp & Mask(o), Stored(h, Sub(PushEsp, o, stack), stack, o)); // the old EBP
            for (int i = 1; i < 4; i++)
                Assert.Equal(0x01010101u * (uint)i & Mask(o), Stored(h, Sub(PushEsp, (i + 1) * o, stack), stack, o));
            Assert.Equal(frameTemp & Mask(o), Stored(h, Sub(PushEsp, 5 * o, stack), stack, o));
        }
        using (var h = Run(code, stack, op, [0xC9], h => Place(h, ebp, stack, 4, 0xFEEDBEEF), ebp))
        {
            // ESP (or SP) <- EBP (or BP), then the pop.
            uint expectedEsp = stack == 32 ? ebp + (uint)o : (PushEsp & 0xFFFF0000) | ((ebp + (uint)o) & 0xFFFF);
            Assert.Equal(expectedEsp, (uint)h.Regs.Rsp);
            Assert.Equal(op == 32 ? 0xFEEDBEEF : (ebp & 0xFFFF0000) | 0xBEEF, (uint)h.Regs.Rbp);
        }
    }

    /// <summary>INT n pushes with the gate's size; IRET pops with the operand size; both on the current stack size.</summary>
    [Theory, MemberData(nameof(Sizes))]
    public void Int_through_a_gate_of_each_size_and_iret(int code, int stack, int gateBits)
    {
        int g = gateBits / 8;
        ushort cs = code == 32 ? Code32Sel : Code16Sel;
        uint esp = Sub(PushEsp, 3 * g, stack);
        byte[] intn = [0xCD, 0x40];
        using (var h = Run(code, stack, code, intn, h => SetGate(h, 0x40, gateBits)))
        {
            Assert.Equal(esp, (uint)h.Regs.Rsp);
            Assert.Equal(Handler + 1, h.Regs.Rip);
            Assert.Equal((uint)Code + 2, Stored(h, esp, stack, g));
            Assert.Equal(cs, Stored(h, Add(esp, g, stack), stack, g));
            Assert.Equal(2u, Stored(h, Add(esp, 2 * g, stack), stack, g) & 0xFFF);
        }
        int o = gateBits / 8; // the third dimension is IRET's operand size here
        using (var h = Run(code, stack, gateBits, [0xCF], h =>
        {
            Place(h, PopEsp, stack, o, (uint)Handler);
            Place(h, Add(PopEsp, o, stack), stack, o, cs);
            Place(h, Add(PopEsp, 2 * o, stack), stack, o, 0x8C3);
        }))
        {
            Assert.Equal(Add(PopEsp, 3 * o, stack), (uint)h.Regs.Rsp);
            Assert.Equal(Handler + 1, h.Regs.Rip);
            Assert.Equal(0x8C3u, (uint)h.Regs.Rflags & 0xFFF);
        }
    }

    /// <summary>POP r/m: the address size picks the addressing form, never the stack size.</summary>
    [Theory, MemberData(nameof(Sizes))]
    public void Pop_to_memory_with_either_address_size(int code, int stack, int op)
    {
        int o = op / 8;
        foreach (int addr in new[] { 16, 32 })
        {
            byte[] pop = addr == 32 ? [0x8F, 0x05, 0x00, 0x70, 0, 0] : [0x8F, 0x06, 0x00, 0x70];
            byte[] bytes = addr != code ? [0x67, .. pop] : pop;
            using var h = Run(code, stack, op, bytes, h => Place(h, PopEsp, stack, 4, 0x13579BDF));
            Assert.Equal(Add(PopEsp, o, stack), (uint)h.Regs.Rsp);
            Assert.Equal(0x13579BDFu & Mask(o) | (Filler & ~Mask(o)), BitConverter.ToUInt32(h.Read(0x7000, 4)));
        }
    }

    /// <summary>Real mode uses SS.B as cached: a big stack left from protected mode addresses with ESP.</summary>
    [Theory]
    [InlineData(false, 0x2FFFEu, 0xFFFEu)]
    [InlineData(true, 0x1FFFEu, 0x1FFFEu)]
    public void Real_mode_push_uses_the_cached_stack_size(bool big, uint esp, uint address)
    {
        using var h = new CpuHarness();
        h.Load(Snippet.RealCode, h.Assemble(16, Snippet.RealCode, a => { a.push(AssemblerRegisters.ax); a.hlt(); }));
        h.SetRealMode(0, (ushort)Snippet.RealCode);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Ss.Db = big;
        s.Ss.Limit = 0xFFFFFFFF;
        h.Vcpu.SetSpecialRegisters(s);
        Snippet.SetRegs(h, r => { r.Rsp = PushEsp; r.Rax = 0xBEEF; return r; });
        Snippet.RunToHlt(h);
        Assert.Equal(esp, (uint)h.Regs.Rsp);
        Assert.Equal(0xBEEF, BitConverter.ToUInt16(h.Read(address, 2)));
    }

    private static uint Mask(int bytes) => bytes == 4 ? 0xFFFFFFFF : 0xFFFF;

    /// <summary>ESP after moving the top down by <paramref name="n"/> bytes (SP only on a 16-bit stack).</summary>
    private static uint Sub(uint esp, int n, int stack) =>
        stack == 32 ? esp - (uint)n : (esp & 0xFFFF0000) | ((esp - (uint)n) & 0xFFFF);

    private static uint Add(uint esp, int n, int stack) => Sub(esp, -n, stack);

    /// <summary>The SS offset ESP addresses (SS base is 0).</summary>
    private static uint Top(uint esp, int stack) => stack == 32 ? esp : esp & 0xFFFF;

    private static uint Stored(CpuHarness h, uint esp, int stack, int bytes)
    {
        var b = h.Read(Top(esp, stack), 4);
        return BitConverter.ToUInt32(b) & Mask(bytes);
    }

    private static void Place(CpuHarness h, uint esp, int stack, int bytes, uint value) =>
        h.Load(Top(esp, stack), BitConverter.GetBytes(value).AsSpan(0, bytes));

    /// <summary>
    /// Runs one instruction (with a 66 prefix when <paramref name="op"/> differs from the code size)
    /// and a HLT, with EAX = 0x11223344, the other registers marked, and a HLT at <see cref="Handler"/>.
    /// </summary>
    private static CpuHarness Run(int code, int stack, int op, byte[] instruction, Action<CpuHarness>? setup = null, uint? ebp = null)
    {
        var h = new CpuHarness();
        byte[] bytes = op != code ? [0x66, .. instruction, 0xF4] : [.. instruction, 0xF4];
        h.Load(Code, bytes);
        h.Load(Handler, [0xF4]);
        h.Load(0x7000, BitConverter.GetBytes(Filler));
        WriteGdt(h);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Cs = Segment(code == 32 ? Code32Sel : Code16Sel, 0xB, code == 32);
        s.Ds = s.Es = s.Fs = s.Gs = Segment(Data32Sel, 0x3, true);
        s.Ss = Segment(stack == 32 ? Data32Sel : Data16Sel, 0x3, stack == 32);
        s.Gdt = new DescriptorTableRegister { Base = Gdt, Limit = 5 * 8 - 1 };
        s.Idt = new DescriptorTableRegister { Base = Idt, Limit = 0x7FF };
        s.Cr0 = 0x11;
        h.Vcpu.SetSpecialRegisters(s);
        h.Vcpu.SetRegisters(new VcpuRegisters
        {
            Rax = 0x11223344, Rcx = 0xCCCC0001, Rdx = 0xDDDD0002, Rbx = 0xBBBBBBBB,
            Rsp = instruction[0] is 0x5B or 0x07 or 0x17 or 0x9D or 0x61 or 0xC3 or 0xC2 or 0xCA or 0xCF or 0x8F or 0x67 ? PopEsp : PushEsp,
            Rbp = ebp ?? 0x55550005, Rsi = 0x66660006, Rdi = 0x77770007,
            Rip = Code, Rflags = 2,
        });
        setup?.Invoke(h);
        var reason = h.Run();
        Assert.True(reason == VcpuExitReason.Hlt, $"expected Hlt, got {reason}: {h.Vcpu.Exit.Message}");
        return h;
    }

    private static SegmentRegister Segment(ushort selector, byte type, bool big) => new()
    {
        Base = 0, Limit = 0xFFFFFFFF, Selector = selector, Type = type, Present = true, S = true, Db = big, G = true,
    };

    private static void WriteGdt(CpuHarness h)
    {
        ulong Descriptor(uint type, bool big) =>
            0xFFFFUL | ((ulong)(0x000F0000u | (type << 8) | (1u << 12) | (1u << 15) | (big ? 1u << 22 : 0) | (1u << 23)) << 32);
        ulong[] gdt = [0, Descriptor(0xB, true), Descriptor(0x3, true), Descriptor(0xB, false), Descriptor(0x3, false)];
        for (int i = 0; i < gdt.Length; i++)
            h.Load(Gdt + (ulong)(8 * i), BitConverter.GetBytes(gdt[i]));
    }

    /// <summary>An interrupt gate (16- or 32-bit) for <paramref name="vector"/> to <see cref="Handler"/> in the current code segment.</summary>
    private static void SetGate(CpuHarness h, int vector, int bits)
    {
        ushort cs = h.Vcpu.GetSpecialRegisters().Cs.Selector;
        uint type = bits == 32 ? 0xEu : 0x6u;
        uint low = (uint)(cs << 16) | (uint)(Handler & 0xFFFF);
        uint high = (uint)(Handler & 0xFFFF0000) | (1u << 15) | (type << 8);
        h.Load(Idt + (ulong)(8 * vector), BitConverter.GetBytes(low | ((ulong)high << 32)));
    }
}
