using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>Far JMP/CALL/RET, call gates and IRET in IA-32e mode (SDM Vol. 3, 5.8.3.1 and 5.8.5; Vol. 2 JMP, CALL, RET, IRET).</summary>
public class FarTransfers64Tests
{
    private const ulong Compat0 = 0x18_0000, Gate0 = 0x18_1000;

    [Fact]
    public void Far_jmp_m16_64_and_m16_32_move_between_64_bit_and_compatibility_code()
    {
        using var h = Boot(a =>
        {
            var ptr32 = a.CreateLabel();
            a.jmp(__fword_ptr[ptr32]); // m16:32 from 64-bit code to compatibility mode at CPL 0
            a.Label(ref ptr32);
            a.dd((uint)Compat0);
            a.dw(KernelCode32);
        });
        // Compatibility mode: record CS, then a direct far JMP back to 64-bit code.
        h.Load(Compat0, h.Assemble(32, Compat0, a =>
        {
            a.mov(esi, cs);
            a.jmp(KernelCode, (uint)Gate0);
        }));
        h.Load(Gate0, h.Assemble(64, Gate0, a =>
        {
            var ptr64 = a.CreateLabel();
            var done = a.CreateLabel();
            a.mov(rdi, cs);
            a.jmp(__tword_ptr[ptr64]); // m16:64: REX.W
            a.hlt();
            a.Label(ref ptr64);
            a.dq(Gate0 + 0x100);
            a.dw(KernelCode);
        }));
        h.Load(Gate0 + 0x100, h.Assemble(64, Gate0 + 0x100, a => { a.mov(r8d, 0x64); a.hlt(); }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal((ulong)KernelCode32, h.Regs.Rsi & 0xFFFF);
        Assert.Equal((ulong)KernelCode, h.Regs.Rdi);
        Assert.Equal(0x64UL, h.Regs.R8);
        Assert.Equal(NoException, h.Regs.R15);
    }

    [Fact]
    public void Far_call_m16_64_pushes_eight_byte_slots_and_retfq_returns()
    {
        using var h = Boot(a =>
        {
            var ptr = a.CreateLabel();
            var back = a.CreateLabel();
            a.call(__tword_ptr[ptr]); // m16:64: REX.W
            a.Label(ref back);
            a.mov(r9, rsp);
            a.hlt();
            a.Label(ref ptr);
            a.dq(Gate0);
            a.dw(KernelCode);
        });
        h.Load(Gate0, h.Assemble(64, Gate0, a =>
        {
            a.mov(rsi, __qword_ptr[rsp]);
            a.mov(rdi, __qword_ptr[rsp + 8]);
            a.mov(r8, rsp);
            a.db(0x48, 0xCB); // RETFQ
        }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal((ulong)KernelCode, h.Regs.Rdi);
        Assert.Equal(KernelStack - 16, h.Regs.R8);
        Assert.Equal(KernelStack, h.Regs.R9);
        Assert.InRange(h.Regs.Rsi, Kernel, Kernel + 0x100);
    }

    [Fact]
    public void A_call_gate_from_64_bit_ring_3_switches_to_rsp0_with_a_null_ss_and_retfq_returns_to_ring_3()
    {
        using var h = Boot(a => EnterUser(a), user64: a =>
        {
            var ptr = a.CreateLabel();
            a.mov(rbx, 0x77);
            a.call(__fword_ptr[ptr]); // the offset is ignored: the gate gives it
            a.mov(rbp, rsp);
            a.mov(r10, cs);
            a.hlt(); // #GP at CPL 3 ends the test
            a.Label(ref ptr);
            a.dd(0);
            a.dw(Slot1 | 3);
        });
        WriteGate64(h, Slot1, KernelCode, Gate0, type: 0xC, dpl: 3);
        h.Load(Gate0, h.Assemble(64, Gate0, a =>
        {
            a.mov(rsi, rsp);
            a.mov(rdi, ss);
            a.mov(r8, __qword_ptr[rsp + 8]);  // CS
            a.mov(r9, __qword_ptr[rsp + 16]); // RSP
            a.mov(r11, __qword_ptr[rsp + 24]); // SS
            a.db(0x48, 0xCB); // RETFQ: back to CPL 3, popping RSP and SS
        }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(Rsp0 - 32, r.Rsi);
        Assert.Equal(0UL, r.Rdi); // SS = null selector, RPL 0
        Assert.Equal((ulong)UserCode64, r.R8);
        Assert.Equal(UserStack, r.R9);
        Assert.Equal((ulong)UserData, r.R11);
        Assert.Equal(UserStack, r.Rbp);
        Assert.Equal((ulong)UserCode64, r.R10);
        Assert.Equal(13UL, r.R15); // the HLT at CPL 3
    }

    [Fact]
    public void A_call_gate_from_compatibility_mode_enters_64_bit_code_and_retfq_returns_to_32_bit_code()
    {
        using var h = Boot(a => EnterUser(a, compat: true), user32: a =>
        {
            a.call(Slot1 | 3, 0);
            a.mov(ebp, esp);
            a.mov(esi, cs);
        });
        WriteGate64(h, Slot1, KernelCode, Gate0, type: 0xC, dpl: 3);
        h.Load(Gate0, h.Assemble(64, Gate0, a =>
        {
            a.mov(r8, __qword_ptr[rsp + 8]);
            a.mov(r9, __qword_ptr[rsp + 16]);
            a.mov(r10, rsp);
            a.db(0x48, 0xCB); // RETFQ to compatibility mode at CPL 3
        }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal((ulong)UserCode32, r.R8);
        Assert.Equal(UserStack, r.R9);
        Assert.Equal(Rsp0 - 32, r.R10);
        Assert.Equal(UserStack, r.Rbp & 0xFFFF_FFFF);
        Assert.Equal((ulong)UserCode32, r.Rsi & 0xFFFF);
        Assert.Equal(13UL, r.R15);
    }

    [Theory]
    [InlineData(0xC, 1u, (int)Slot1)]  // the upper half's type field must be 0
    [InlineData(0x4, 0u, (int)Slot1)]  // 16-bit call gates do not exist in IA-32e mode
    [InlineData(0x5, 0u, (int)Slot1)]  // nor task gates
    [InlineData(0x9, 0u, (int)Slot1)]  // nor task switches to a TSS
    public void Far_call_to_anything_but_a_64_bit_call_gate_is_gp_with_the_selector(int type, uint upperType, int expectedError)
    {
        using var h = Boot(a => a.call(__fword_ptr[0x4000]));
        h.Load(0x4000, [0, 0, 0, 0, (byte)Slot1, 0]);
        WriteGate64(h, Slot1, KernelCode, Gate0, type, dpl: 0, upperType: upperType);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(13UL, h.Regs.R15);
        Assert.Equal((ulong)expectedError, h.Regs.R14);
    }

    [Fact]
    public void A_call_gate_to_compatibility_code_is_gp_with_the_code_selector_and_an_l_and_d_segment_is_reserved()
    {
        using (var h = Boot(a => a.call(__fword_ptr[0x4000])))
        {
            h.Load(0x4000, [0, 0, 0, 0, (byte)Slot1, 0]);
            WriteGate64(h, Slot1, KernelCode32, Gate0, type: 0xC, dpl: 0);
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(13UL, h.Regs.R15);
            Assert.Equal((ulong)KernelCode32, h.Regs.R14);
        }
        using (var h = Boot(a => a.jmp(__fword_ptr[0x4000])))
        {
            h.Load(0x4000, [0, 0, 0x18, 0, (byte)Slot2, 0]);
            WriteDescriptor(h, Slot2, 0x00EF_9B00_0000_FFFF); // L = 1 and D = 1
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(13UL, h.Regs.R15);
            Assert.Equal((ulong)Slot2, h.Regs.R14);
        }
    }

    [Fact]
    public void Iretq_to_compatibility_mode_and_iretd_there_at_the_same_level()
    {
        using var h = Boot(a =>
        {
            a.mov(rax, rsp);
            a.push(KernelData);
            a.push(rax);
            a.push(2);
            a.push(KernelCode32);
            a.push((int)Compat0);
            a.iretq();
        });
        h.Load(Compat0, h.Assemble(32, Compat0, a =>
        {
            a.mov(esi, esp);
            a.pushfd();
            a.push(KernelCode32);
            a.push((uint)(Compat0 + 0x40));
            a.iretd(); // same level from compatibility mode: no SS:ESP popped
        }));
        h.Load(Compat0 + 0x40, h.Assemble(32, Compat0 + 0x40, a => { a.mov(edi, esp); a.mov(ebx, cs); a.hlt(); }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(KernelStack, r.Rsi & 0xFFFF_FFFF);
        Assert.Equal(KernelStack, r.Rdi & 0xFFFF_FFFF);
        Assert.Equal((ulong)KernelCode32, r.Rbx & 0xFFFF);
        Assert.Equal(NoException, r.R15);
    }
}
