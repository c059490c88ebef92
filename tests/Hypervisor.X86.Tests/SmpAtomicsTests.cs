using Hypervisor.Core.Accel;
using Hypervisor.X86.Apic;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>Two vCPUs on two host threads sharing memory: locked instructions must not lose updates (Smp/CpuAtomics.cs).</summary>
public class SmpAtomicsTests
{
    private const ulong Code = 0x8000;
    private const ushort LockedTotal = 0x100, Spinlock = 0x200, GuardedTotal = 0x300, XaddTotal = 0x400, CmpxchgTotal = 0x500;

    /// <summary>Both vCPUs run <paramref name="body"/> in real mode at 0x8000 (the BSP set there, the AP started by INIT/SIPI) and return when both halted.</summary>
    private static void RunOnBothVcpus(CpuHarness h, Action<Assembler> body)
    {
        var ap = (SoftVcpu)h.Vm.CreateVcpu(1);
        h.Load(Code, h.Assemble(16, Code, a => { body(a); a.hlt(); }));
        h.SetRealMode((ushort)(Code >> 4), 0, 0, 0x7000);
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
        // HLT with IF = 0 on an SMP VM parks the vCPU and leaves Run with an Intr exit.
        Assert.Equal([VcpuExitReason.Intr, VcpuExitReason.Intr], exits);
    }

    private static uint Read32(CpuHarness h, ulong address) => BitConverter.ToUInt32(h.Read(address, 4));

    [Fact]
    public void Lock_add_xadd_cmpxchg_and_an_xchg_spinlock_lose_no_update_over_a_million_rounds()
    {
        const int Rounds = 500_000; // per vCPU, each round four updates
        using var h = CpuHarness.WithApic();
        RunOnBothVcpus(h, a =>
        {
            var loop = a.CreateLabel();
            var spin = a.CreateLabel();
            var retry = a.CreateLabel();
            a.mov(ecx, Rounds);
            a.Label(ref loop);
            a.@lock.add(__dword_ptr[LockedTotal], 1);
            a.mov(eax, 1);
            a.@lock.xadd(__dword_ptr[XaddTotal], eax);
            a.Label(ref retry); // CMPXCHG increment loop, as compilers emit for atomic ops without XADD
            a.mov(eax, __dword_ptr[CmpxchgTotal]);
            a.lea(edx, __dword_ptr[eax + 1]);
            a.@lock.cmpxchg(__dword_ptr[CmpxchgTotal], edx);
            a.jne(retry);
            a.Label(ref spin); // a spinlock taken with XCHG and released with a plain store
            a.mov(eax, 1);
            a.xchg(__dword_ptr[Spinlock], eax);
            a.test(eax, eax);
            a.jnz(spin);
            a.inc(__dword_ptr[GuardedTotal]);
            a.mov(__dword_ptr[Spinlock], 0);
            a.dec(ecx);
            a.jnz(loop);
        });

        Assert.Equal(2u * Rounds, Read32(h, LockedTotal));
        Assert.Equal(2u * Rounds, Read32(h, XaddTotal));
        Assert.Equal(2u * Rounds, Read32(h, CmpxchgTotal));
        Assert.Equal(2u * Rounds, Read32(h, GuardedTotal));
    }

    [Fact]
    public void Locked_byte_word_bit_and_cmpxchg8b_updates_are_atomic()
    {
        const int Rounds = 200_000;
        using var h = CpuHarness.WithApic();
        RunOnBothVcpus(h, a =>
        {
            var loop = a.CreateLabel();
            var retry8b = a.CreateLabel();
            a.mov(ecx, Rounds);
            a.Label(ref loop);
            a.@lock.inc(__byte_ptr[0x600]);              // wraps at 256: the total mod 256
            a.@lock.add(__word_ptr[0x610], 3);
            a.@lock.xor(__dword_ptr[0x620], 0x5A5A0000); // an even number of toggles leaves 0; a lost one does not
            a.@lock.btc(__dword_ptr[0x620], 3);
            a.Label(ref retry8b);
            a.mov(eax, __dword_ptr[0x630]);
            a.mov(edx, __dword_ptr[0x634]);
            a.mov(ebx, eax);
            a.mov(esi, edx);
            a.add(ebx, 1);
            a.adc(esi, 0);
            a.push(ecx);
            a.mov(ecx, esi);
            a.@lock.cmpxchg8b(__qword_ptr[0x630]);
            a.pop(ecx);
            a.jne(retry8b);
            a.dec(ecx);
            a.jnz(loop);
        });

        Assert.Equal(unchecked((byte)(2 * Rounds)), h.Read(0x600, 1)[0]);
        Assert.Equal(unchecked((ushort)(2 * 3 * Rounds)), BitConverter.ToUInt16(h.Read(0x610, 2)));
        Assert.Equal(0u, Read32(h, 0x620));
        Assert.Equal(2UL * Rounds, BitConverter.ToUInt64(h.Read(0x630, 8)));
    }
}
