using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.X86.Apic;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>CMPXCHG16B (SDM Vol. 2A CMPXCHG8B/CMPXCHG16B): the compare, ZF only, #GP on a misaligned m128, and LOCK across two vCPUs.</summary>
public class Cmpxchg16bTests
{
    private const ulong Data = 0x4000;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Cmpxchg16b_stores_rcx_rbx_when_rdx_rax_matches_else_loads_the_memory(bool match)
    {
        using var h = Boot(a =>
        {
            a.mov(rax, 0x1111_2222_3333_4444);
            a.mov(__qword_ptr[Data], rax);
            a.mov(rax, 0x5555_6666_7777_8888);
            a.mov(__qword_ptr[Data + 8], rax);
            a.mov(rax, match ? 0x1111_2222_3333_4444 : 0x1111_2222_3333_4445);
            a.mov(rdx, 0x5555_6666_7777_8888);
            a.mov(rbx, 0x0A0A_0B0B_0C0C_0D0D);
            a.mov(rcx, 0x0E0E_0F0F_1010_2020);
            a.stc(); // CF must survive: only ZF changes
            a.cmpxchg16b(__xmmword_ptr[Data]);
            a.pushfq();
            a.pop(rsi);
            a.mov(r8, __qword_ptr[Data]);
            a.mov(r9, __qword_ptr[Data + 8]);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(NoException, r.R15);
        Assert.Equal(match, (r.Rsi & 0x40) != 0);
        Assert.Equal(1UL, r.Rsi & 1);
        Assert.Equal(match ? 0x0A0A_0B0B_0C0C_0D0DUL : 0x1111_2222_3333_4444UL, r.R8);
        Assert.Equal(match ? 0x0E0E_0F0F_1010_2020UL : 0x5555_6666_7777_8888UL, r.R9);
        Assert.Equal(0x1111_2222_3333_4444UL + (match ? 0UL : 0UL), match ? r.Rax : r.Rax); // RDX:RAX = m128 on a mismatch
        Assert.Equal(0x5555_6666_7777_8888UL, r.Rdx);
    }

    [Fact]
    public void Cmpxchg16b_on_an_address_that_is_not_16_byte_aligned_is_gp0()
    {
        using var h = Boot(a => { a.mov(rax, 1); a.cmpxchg16b(__xmmword_ptr[Data + 8]); });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(13UL, h.Regs.R15);
        Assert.Equal(0UL, h.Regs.R14);
        Assert.Equal(1UL, h.Regs.Rax);
    }

    [Fact]
    public void Lock_cmpxchg16b_on_two_vcpus_loses_no_update_nor_a_locked_add_to_its_high_half()
    {
        const int Rounds = 100_000;
        using var h = CpuHarness.WithApic();
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory)); // writes the GDT at 0x500 and the page tables at 0x9000
        h.Load(0x4F0, [5 * 8 - 1, 0, 0x00, 0x05, 0, 0]); // GDTR for the real-mode switch below
        const ulong Code = 0x8000, Code64 = 0x8100;
        h.Load(Code, h.Assemble(16, Code, a =>
        {
            a.cli();
            a.lgdt(__[0x4F0]);
            a.mov(eax, cr4);
            a.or(eax, 0x20); // PAE
            a.mov(cr4, eax);
            a.mov(eax, 0x9000);
            a.mov(cr3, eax);
            a.mov(ecx, 0xC000_0080);
            a.rdmsr();
            a.or(eax, 0x100); // EFER.LME
            a.wrmsr();
            a.mov(eax, cr0);
            a.or(eax, 0x8000_0001);
            a.mov(cr0, eax);
            a.jmp(LongModeTables.CodeSelector, (uint)Code64);
        }));
        h.Load(Code64, h.Assemble(64, Code64, a =>
        {
            var loop = a.CreateLabel();
            var retry = a.CreateLabel();
            a.mov(r8d, Rounds);
            a.Label(ref loop);
            a.mov(rax, __qword_ptr[Data]);
            a.mov(rdx, __qword_ptr[Data + 8]);
            a.Label(ref retry);
            a.lea(rbx, __qword_ptr[rax + 1]);
            a.lea(rcx, __qword_ptr[rdx + 1]);
            a.@lock.cmpxchg16b(__xmmword_ptr[Data]);
            a.jne(retry);
            a.@lock.add(__qword_ptr[Data + 8], 0x10000);
            a.dec(r8d);
            a.jnz(loop);
            a.hlt();
        }));
        h.SetRealMode((ushort)(Code >> 4), 0, 0, 0x7000);
        var ap = (SoftVcpu)h.Vm.CreateVcpu(1);
        h.Vcpu.InstructionLimit = ulong.MaxValue;
        ap.InstructionLimit = ulong.MaxValue;
        var apic = h.Vcpu.Cpu.LocalApic!;
        apic.Write(ApicRegister.SpuriousVector, 0x1FF);
        apic.Write(ApicRegister.InterruptCommandHigh, 1u << 24);
        apic.Write(ApicRegister.InterruptCommandLow, 0x0000_4500);
        apic.Write(ApicRegister.InterruptCommandLow, 0x0000_4600 | (uint)(Code >> 12));
        var exits = new VcpuExitReason[2];
        var threads = new[] { h.Vcpu, ap }.Select((v, i) => new Thread(() => exits[i] = v.Run())).ToArray();
        foreach (var t in threads)
            t.Start();
        foreach (var t in threads)
            Assert.True(t.Join(TimeSpan.FromMinutes(2)), "a vCPU did not finish");
        Assert.Equal([VcpuExitReason.Intr, VcpuExitReason.Intr], exits);
        Assert.Equal(2UL * Rounds, BitConverter.ToUInt64(h.Read(Data, 8)));
        Assert.Equal(2UL * Rounds * 0x10001, BitConverter.ToUInt64(h.Read(Data + 8, 8)));
    }
}
