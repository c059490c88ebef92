using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Tests;

/// <summary>The two guests of the seed article (SEED.md), byte for byte.</summary>
public class SeedGuestTests
{
    [Fact]
    public void Guest1_adds_two_registers_and_prints_4_newline_then_halts()
    {
        using var h = new CpuHarness((0x1000, 0x1000));
        h.Load(0x1000, [0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4]);
        h.SetRealMode(0, 0x1000);
        var r = h.Regs;
        r.Rax = 2;
        r.Rbx = 2;
        h.Vcpu.SetRegisters(r);

        Assert.Equal(VcpuExitReason.Io, h.Run());
        Assert.Equal(IoDirection.Out, h.Vcpu.Exit.IoDirection);
        Assert.Equal((ushort)0x3f8, h.Vcpu.Exit.IoPort);
        Assert.Equal(1, h.Vcpu.Exit.IoSize);
        Assert.Equal(1u, h.Vcpu.Exit.IoCount);
        Assert.Equal((byte)'4', h.Vcpu.Exit.Data[0]);

        Assert.Equal(VcpuExitReason.Io, h.Run());
        Assert.Equal((byte)'\n', h.Vcpu.Exit.Data[0]);

        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x100cUL, h.Regs.Rip);
        Assert.Equal(7UL, h.Vcpu.InstructionsRetired);
    }

    [Fact]
    public void Guest2_counts_on_port_0x10_until_the_instruction_limit()
    {
        using var h = new CpuHarness((0x10000, 0x1000));
        h.Load(0x10000, [0x31, 0xc0, 0xe7, 0x10, 0x40, 0xeb, 0xfb]);
        h.SetRealMode(0x1000, 0, data: 0x1000);
        h.Vcpu.InstructionLimit = 1 + 3 * 1000;

        for (int i = 0; i < 1000; i++)
        {
            Assert.Equal(VcpuExitReason.Io, h.Run());
            Assert.Equal(IoDirection.Out, h.Vcpu.Exit.IoDirection);
            Assert.Equal((ushort)0x10, h.Vcpu.Exit.IoPort);
            Assert.Equal(2, h.Vcpu.Exit.IoSize);
            Assert.Equal(i, BitConverter.ToUInt16(h.Vcpu.Exit.Data));
        }
        var reason = h.Run();
        // The limit stops the loop cleanly: the next OUT has not happened yet.
        while (reason == VcpuExitReason.Io)
            reason = h.Run();
        Assert.Equal(VcpuExitReason.Intr, reason);
        Assert.Equal(h.Vcpu.InstructionLimit, h.Vcpu.InstructionsRetired);
    }
}
