using System.Text;
using Hypervisor.Core.Accel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>The CPUID model (Execution/ProcessorModel.cs), RDTSCP with IA32_TSC_AUX, and 64-bit results of CPUID/RDTSC/RDMSR clearing bits 63:32.</summary>
public class ProcessorModelCpuidTests
{
    private static VcpuRegisters Cpuid(uint leaf)
    {
        using var h = Boot(a =>
        {
            a.mov(rax, -1L);
            a.mov(rbx, -1L);
            a.mov(rcx, -1L);
            a.mov(rdx, -1L);
            a.mov(eax, leaf);
            a.cpuid();
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        return h.Regs;
    }

    [Fact]
    public void Leaf_0_names_genuine_intel_with_max_leaf_1_and_the_results_zero_extend()
    {
        var r = Cpuid(0);
        Assert.Equal(1UL, r.Rax);
        Assert.Equal("GenuineIntel", Encoding.ASCII.GetString([.. BitConverter.GetBytes((uint)r.Rbx), .. BitConverter.GetBytes((uint)r.Rdx), .. BitConverter.GetBytes((uint)r.Rcx)]));
        Assert.Equal(0UL, r.Rbx >> 32);
        Assert.Equal(0UL, r.Rcx >> 32);
        Assert.Equal(0UL, r.Rdx >> 32);
    }

    [Fact]
    public void Leaf_1_is_a_core_i7_920_with_sep_and_cx16_and_leaf_0x80000001_adds_rdtscp()
    {
        var r = Cpuid(1);
        Assert.Equal(0x106A5UL, r.Rax); // family 6, model 26, stepping 5
        Assert.Equal(1UL << 13, r.Rcx); // CX16 only: no SSE3, POPCNT, ...
        Assert.True((r.Rdx & (1 << 11)) != 0, "SEP");
        Assert.True((r.Rdx & (1 << 23)) == 0, "no MMX");
        var e = Cpuid(0x8000_0001);
        Assert.Equal((1UL << 11) | (1UL << 20) | (1UL << 27) | (1UL << 29), e.Rdx);
        Assert.Equal(1UL, e.Rcx);
    }

    [Fact]
    public void Leaves_0x80000002_to_4_spell_the_brand_string_and_a_leaf_beyond_the_maximum_returns_leaf_1()
    {
        var sb = new StringBuilder();
        for (uint leaf = 0x8000_0002; leaf <= 0x8000_0004; leaf++)
        {
            var r = Cpuid(leaf);
            foreach (ulong v in new[] { r.Rax, r.Rbx, r.Rcx, r.Rdx })
                sb.Append(Encoding.ASCII.GetString(BitConverter.GetBytes((uint)v)));
        }
        Assert.Equal("Intel(R) Core(TM) i7 CPU         920  @ 2.67GHz\0", sb.ToString());
        Assert.Equal(0x8000_0008UL, Cpuid(0x8000_0000).Rax);
        Assert.Equal(0x106A5UL, Cpuid(7).Rax);
        Assert.Equal(0x106A5UL, Cpuid(0x8000_0009).Rax);
    }

    [Fact]
    public void Rdtscp_returns_the_tsc_and_tsc_aux_and_rdtsc_rdmsr_clear_the_upper_halves()
    {
        using var h = Boot(a =>
        {
            Wrmsr(a, 0xC000_0103, 0x2A);
            a.mov(rax, -1L);
            a.mov(rdx, -1L);
            a.mov(rcx, -1L);
            a.rdtscp();
            a.mov(r8, rax);
            a.mov(r9, rdx);
            a.mov(r10, rcx);
            a.mov(rax, -1L);
            a.mov(rdx, -1L);
            a.rdtsc();
            a.mov(r11, rax);
            a.mov(rbx, rdx);
            a.mov(rax, -1L);
            a.mov(rdx, -1L);
            a.mov(ecx, 0x1A0); // IA32_MISC_ENABLE: fast strings
            a.rdmsr();
            a.mov(rsi, rax);
            a.mov(rdi, rdx);
            Wrmsr(a, 0xC000_0103, 1UL << 32); // bits 63:32 are reserved
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(0x2AUL, r.R10);
        Assert.Equal(0UL, r.R8 >> 32);
        Assert.Equal(0UL, r.R9 >> 32);
        Assert.Equal(0UL, r.R11 >> 32);
        Assert.Equal(0UL, r.Rbx >> 32);
        Assert.Equal(1UL, r.Rsi & 1);
        Assert.Equal(0UL, r.Rsi >> 32);
        Assert.Equal(0UL, r.Rdi);
        Assert.Equal(13UL, r.R15);
    }
}
