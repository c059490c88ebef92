using Hypervisor.Core.Accel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>NMI (through vector 2 regardless of IF, blocked until IRET) and the A20 gate.</summary>
public class InterruptPinTests
{
    [Fact]
    public void Nmi_is_delivered_with_interrupts_disabled_and_wakes_a_halted_cpu()
    {
        using var h = new CpuHarness();
        h.Load(RealCode, h.Assemble(16, RealCode, a => { a.cli(); a.hlt(); a.mov(cx, 0x77); a.hlt(); }));
        h.Load(2 * 4, [0x00, 0x09, 0x00, 0x00]);
        h.Load(0x900, [0x43, 0xCF]); // inc bx; iret
        h.SetRealMode(0, (ushort)RealCode, 0, 0x7000);
        Assert.Equal(VcpuExitReason.Hlt, h.Run()); // CLI; HLT with nothing pending exits
        h.Vcpu.RaiseNmi();
        Assert.Equal(VcpuExitReason.Hlt, h.Run()); // NMI handler ran, then MOV and the second HLT
        Assert.Equal(1UL, h.Regs.Rbx & 0xFFFF);
        Assert.Equal(0x77UL, h.Regs.Rcx & 0xFFFF);
    }

    [Fact]
    public void A20_disabled_wraps_addresses_at_one_mebibyte()
    {
        using var h = new CpuHarness((0, 0x200000));
        h.Load(0x10, [0x11]);
        h.Load(0x100010, [0x22]);
        h.Load(RealCode, h.Assemble(16, RealCode, a =>
        {
            a.mov(ax, 0xFFFF); a.mov(es, ax);
            a.mov(bl, __byte_ptr.es[0x20]); // FFFF:0020 = 0x100010
            a.hlt();
        }));
        h.SetRealMode(0, (ushort)RealCode, 0, 0x7000);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x22UL, h.Regs.Rbx & 0xFF);

        h.Vcpu.A20Enabled = false;
        var r = h.Regs;
        r.Rip = RealCode;
        h.Vcpu.SetRegisters(r);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x11UL, h.Regs.Rbx & 0xFF);
    }
}
