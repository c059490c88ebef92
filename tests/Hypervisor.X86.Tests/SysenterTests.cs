using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>SYSENTER/SYSEXIT in IA-32e mode (SDM Vol. 2B): from 64-bit and compatibility-mode user code to a 64-bit kernel and back.</summary>
public class SysenterTests
{
    private const ulong Entry = 0x18_0000, EntryStack = 0x5_0000;

    private static void SetSysenterMsrs(Assembler a)
    {
        Wrmsr(a, 0x174, KernelCode);
        Wrmsr(a, 0x175, EntryStack);
        Wrmsr(a, 0x176, Entry);
    }

    /// <summary>The kernel entry at <see cref="Entry"/>: records CS, SS, RSP and RFLAGS, then runs <paramref name="then"/>.</summary>
    private static void LoadEntry(CpuHarness h, Action<Assembler> then) => h.Load(Entry, h.Assemble(64, Entry, a =>
    {
        a.mov(r8w, cs);
        a.mov(r9w, ss);
        a.mov(r10, rsp);
        a.pushfq();
        a.pop(r11);
        then(a);
        a.hlt();
    }));

    [Fact]
    public void Sysenter_from_64_bit_user_code_enters_the_64_bit_kernel_and_sysexitq_returns()
    {
        using var h = Boot(a => { SetSysenterMsrs(a); EnterUser(a); },
            user64: a => { a.mov(rbx, 0x1234_5678_9ABC); a.sysenter(); });
        LoadEntry(h, a =>
        {
            a.mov(rdx, User64 + 0x40);
            a.mov(rcx, 0x1_2345_6780);
            a.sysexitq();
        });
        h.Load(User64 + 0x40, h.Assemble(64, User64 + 0x40, a => { a.mov(rsi, cs); a.mov(rdi, ss); a.mov(rbp, rsp); a.hlt(); }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal((ulong)KernelCode, r.R8 & 0xFFFF);
        Assert.Equal((ulong)KernelData, r.R9 & 0xFFFF);
        Assert.Equal(EntryStack, r.R10);
        Assert.Equal(0UL, r.R11 & 0x200); // IF cleared
        Assert.Equal((ulong)UserCode64, r.Rsi);
        Assert.Equal((ulong)UserData64, r.Rdi);
        Assert.Equal(0x1_2345_6780UL, r.Rbp);
        Assert.Equal(13UL, r.R15); // HLT at CPL 3 ends the user code with #GP(0)
        Assert.Equal(0x1234_5678_9ABCUL, r.Rbx);
    }

    [Fact]
    public void Sysenter_from_compatibility_mode_enters_64_bit_code_and_sysexit_returns_to_32_bit_code()
    {
        using var h = Boot(a => { SetSysenterMsrs(a); EnterUser(a, compat: true); },
            user32: a => { a.mov(ebx, 0x42); a.sysenter(); });
        LoadEntry(h, a =>
        {
            a.mov(rdx, 0xFFFF_FFFF_0000_0000 | (User32 + 0x40)); // SYSEXIT without REX.W takes EDX and ECX
            a.mov(ecx, (uint)UserStack - 0x10);
            a.sysexit();
        });
        h.Load(User32 + 0x40, h.Assemble(32, User32 + 0x40, a => { a.mov(esi, cs); a.mov(edi, ss); a.mov(ebp, esp); a.hlt(); }));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        var r = h.Regs;
        Assert.Equal(13UL, r.R15);
        Assert.Equal((ulong)KernelCode, r.R8 & 0xFFFF);
        Assert.Equal(EntryStack, r.R10);
        Assert.Equal((ulong)UserCode32, r.Rsi & 0xFFFF);
        Assert.Equal((ulong)UserData, r.Rdi & 0xFFFF);
        Assert.Equal(UserStack - 0x10, r.Rbp);
        Assert.Equal(User32 + 0x46, r.R12); // the #GP frame's RIP: the HLT after three 2-byte MOVs
    }

    [Fact]
    public void Sysenter_with_a_null_sysenter_cs_is_gp0()
    {
        using var h = Boot(a => a.sysenter());
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(13UL, h.Regs.R15);
        Assert.Equal(0UL, h.Regs.R14);
    }

    [Fact]
    public void Sysexit_at_cpl_3_is_gp0_and_sysexitq_to_a_non_canonical_rip_is_gp0()
    {
        using (var h = Boot(a => { SetSysenterMsrs(a); EnterUser(a); }, user64: a => a.sysexitq()))
        {
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(13UL, h.Regs.R15);
            Assert.Equal(0UL, h.Regs.R14);
            Assert.Equal(Rsp0 - 48, h.Regs.R13); // the ring-0 stack from the TSS, 16-byte aligned frame
        }
        using (var h = Boot(a => { SetSysenterMsrs(a); a.mov(rdx, 0x0000_8000_0000_0000); a.sysexitq(); }))
        {
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            Assert.Equal(13UL, h.Regs.R15);
            Assert.Equal((ulong)KernelCode, h.Special().Cs.Selector);
        }
    }

    [Fact]
    public void Sysenter_msrs_read_back_and_refuse_non_canonical_addresses()
    {
        using var h = Boot(a =>
        {
            SetSysenterMsrs(a);
            a.mov(ecx, 0x176);
            a.rdmsr();
            a.mov(r8d, eax);
            a.mov(ecx, 0x174);
            a.rdmsr();
            a.mov(r9d, eax);
            Wrmsr(a, 0x175, 0x0001_0000_0000_0000);
        });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(Entry, h.Regs.R8);
        Assert.Equal((ulong)KernelCode, h.Regs.R9);
        Assert.Equal(13UL, h.Regs.R15);
    }
}
