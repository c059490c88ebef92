using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.LongModeRings;

namespace Hypervisor.X86.Tests;

/// <summary>The snapshot carries the IA-32e MSRs (snapshot format 4): a restored 64-bit kernel keeps its SYSCALL and SYSENTER targets.</summary>
public class LongModeSnapshotTests
{
    private static readonly (uint Msr, ulong Value)[] Msrs =
    [
        (0xC000_0081, 0x0023_0010_0000_0000), // STAR
        (0xC000_0082, 0xFFFF_FFFF_8100_0000), // LSTAR
        (0xC000_0083, 0xFFFF_FFFF_8100_1000), // CSTAR
        (0xC000_0084, 0x4700),                // SFMASK
        (0xC000_0102, 0xFFFF_8880_0000_0000), // KernelGSbase
        (0xC000_0103, 7),                     // TSC_AUX
        (0x174, 0x10),                        // SYSENTER_CS
        (0x176, 0xFFFF_FFFF_8100_2000),       // SYSENTER_EIP
        (0x1A0, 0x801),                       // MISC_ENABLE
    ];

    [Fact]
    public void The_syscall_sysenter_and_model_msrs_survive_save_and_load()
    {
        byte[] state;
        using (var h = Boot(a =>
        {
            foreach (var (msr, value) in Msrs)
                Wrmsr(a, msr, value);
        }))
        {
            Assert.Equal(VcpuExitReason.Hlt, h.Run());
            var w = new StateWriter();
            h.Vcpu.SaveState(w);
            state = w.ToArray();
        }
        using var restored = Boot(a =>
        {
            foreach (var (msr, _) in Msrs)
            {
                a.mov(ecx, msr);
                a.rdmsr();
                a.shl(rdx, 32);
                a.or(rax, rdx);
                a.push(rax);
            }
        });
        restored.Vcpu.LoadState(new StateReader(state), restored.Vcpu.StateVersion);
        // The loaded state halted after the writes: run the reader program from its start instead.
        var r = restored.Regs;
        r.Rip = Kernel;
        r.Rsp = KernelStack;
        restored.Vcpu.SetRegisters(r);
        Assert.Equal(VcpuExitReason.Hlt, restored.Run());
        var stack = restored.Read(KernelStack - (ulong)(8 * Msrs.Length), 8 * Msrs.Length);
        for (int i = 0; i < Msrs.Length; i++)
        {
            ulong value = BitConverter.ToUInt64(stack, 8 * (Msrs.Length - 1 - i));
            Assert.True(Msrs[i].Value == value, $"MSR 0x{Msrs[i].Msr:x}: 0x{value:x}, expected 0x{Msrs[i].Value:x}");
        }
    }
}
