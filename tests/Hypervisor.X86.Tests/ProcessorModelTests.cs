using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// What this processor model does where later processors differ: encodings that newer extensions
/// gave a meaning (TZCNT/LZCNT run as BSF/BSR without BMI1/LZCNT, as Linux's "rep bsf" relies on),
/// and the time-stamp counter following the machine clock.
/// </summary>
public class ProcessorModelTests
{
    [Theory]
    [InlineData(0x00F0u, 4u, false)]    // lowest set bit
    [InlineData(0x80000000u, 31u, false)]
    [InlineData(0u, 0x1234u, true)]      // source 0: ZF set, destination unchanged (BSF, not TZCNT's 32)
    public void Rep_bsf_runs_as_bsf(uint source, uint expected, bool zf)
    {
        using var h = new CpuHarness();
        h.SetFlatProtectedMode(0x1000);
        // F3 0F BC C8: Iced names it tzcnt ecx, eax; a P6 ignores the REP prefix.
        h.Load(0x1000, [0xB9, 0x34, 0x12, 0, 0, 0xF3, 0x0F, 0xBC, 0xC8, 0xF4]);
        var r = h.Regs;
        r.Rax = source;
        h.Vcpu.SetRegisters(r);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(expected, (uint)h.Regs.Rcx);
        Assert.Equal(zf, (h.Regs.Rflags & 0x40) != 0);
    }

    [Fact]
    public void Rep_bsr_runs_as_bsr()
    {
        using var h = new CpuHarness();
        h.SetFlatProtectedMode(0x1000);
        // F3 0F BD C8: lzcnt ecx, eax to Iced; bsr ecx, eax here (LZCNT would give 23).
        h.Load(0x1000, [0xF3, 0x0F, 0xBD, 0xC8, 0xF4]);
        var r = h.Regs;
        r.Rax = 0x100;
        h.Vcpu.SetRegisters(r);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(8u, (uint)h.Regs.Rcx);
    }

    [Fact]
    public void Rdtsc_counts_nanoseconds_of_the_machine_clock()
    {
        var clock = new SteppedClock { NowNanoseconds = 5_000_000_000 };
        using var memory = new GuestMemory([(0UL, 0x100000UL)]);
        using var vm = new SoftVm(memory, clock);
        var vcpu = (SoftVcpu)vm.CreateVcpu(0);
        vcpu.InstructionLimit = 1000;
        using var h = new CpuHarness();
        byte[] code = h.Assemble(32, 0x1000, a =>
        {
            a.rdtsc();
            a.mov(ebx, eax);
            a.mov(ecx, edx);
            a.hlt();
        });
        memory.Write(0x1000, code);
        var s = vcpu.GetSpecialRegisters();
        s.Cs = new SegmentRegister { Limit = 0xFFFFFFFF, Selector = 0x08, Type = 0xB, Present = true, S = true, Db = true, G = true };
        s.Ds = s.Es = s.Ss = s.Fs = s.Gs = new SegmentRegister { Limit = 0xFFFFFFFF, Selector = 0x10, Type = 0x3, Present = true, S = true, Db = true, G = true };
        s.Cr0 = 0x11;
        vcpu.SetSpecialRegisters(s);
        vcpu.SetRegisters(new VcpuRegisters { Rip = 0x1000, Rflags = 2 });

        Assert.Equal(VcpuExitReason.Hlt, vcpu.Run());
        var r = vcpu.GetRegisters();
        Assert.Equal(5_000_000_000ul, ((ulong)(uint)r.Rcx << 32) | (uint)r.Rbx);
    }

    /// <summary>A clock that stands still unless the test moves it.</summary>
    private sealed class SteppedClock : IClock
    {
        public long NowNanoseconds { get; set; }

        public IDeviceTimer CreateTimer(Action callback) => throw new NotSupportedException();
    }
}
