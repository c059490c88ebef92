using Hypervisor.Core.Accel;
using Iced.Intel;

namespace Hypervisor.X86.Tests;

/// <summary>Runs a code snippet that ends in HLT and returns the final registers.</summary>
public static class Snippet
{
    public const ulong RealCode = 0x7C00;
    public const ulong FlatCode = 0x10000;

    public const uint CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
    public const uint Status = CF | PF | AF | ZF | SF | OF;

    /// <summary>16-bit real mode, CS = DS = ES = SS = 0, code at 0x7C00, SP = 0x7000.</summary>
    public static VcpuRegisters Real(Action<Assembler> code, Action<CpuHarness>? setup = null, CpuHarness? harness = null)
    {
        var h = harness ?? new CpuHarness();
        try
        {
            h.Load(RealCode, h.Assemble(16, RealCode, code));
            h.SetRealMode(0, (ushort)RealCode, 0, 0x7000);
            setup?.Invoke(h);
            return RunToHlt(h);
        }
        finally
        {
            if (harness == null)
                h.Dispose();
        }
    }

    /// <summary>Flat 32-bit protected mode at CPL 0, code at 0x10000, ESP = 0x80000.</summary>
    public static VcpuRegisters Flat(Action<Assembler> code, Action<CpuHarness>? setup = null, CpuHarness? harness = null)
    {
        var h = harness ?? new CpuHarness();
        try
        {
            h.Load(FlatCode, h.Assemble(32, FlatCode, code));
            h.SetFlatProtectedMode((uint)FlatCode);
            setup?.Invoke(h);
            return RunToHlt(h);
        }
        finally
        {
            if (harness == null)
                h.Dispose();
        }
    }

    public static VcpuRegisters RunToHlt(CpuHarness h)
    {
        var reason = h.Run();
        Assert.True(reason == VcpuExitReason.Hlt, $"expected Hlt, got {reason}: {h.Vcpu.Exit.Message}");
        return h.Regs;
    }

    public static void SetRegs(CpuHarness h, Func<VcpuRegisters, VcpuRegisters> change) =>
        h.Vcpu.SetRegisters(change(h.Regs));
}
