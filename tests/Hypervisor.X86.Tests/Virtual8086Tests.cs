using Iced.Intel;
using static Hypervisor.X86.Tests.ProtectedModeTests;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Virtual-8086 mode: IRETD into it, real-mode addressing, IOPL-sensitive instructions trapping
/// to the ring-0 monitor with the v86 frame (ES, DS, FS, GS pushed and zeroed), INT n with IOPL 3
/// and IRETD back, and I/O through the TSS bitmap.
/// </summary>
public class Virtual8086Tests
{
    private const uint Idt = 0x2000, V86Code = 0x20000, GpHandler = 0x30000, IntHandler = 0x31000, Frame = 0x61000;

    private static CpuHarness BootV86(uint iopl, Action<Assembler> v86, int intGateDpl = 3)
    {
        var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.mov(ax, TssSel);
            a.ltr(ax);
            foreach (uint v in new uint[] { 0x5000, 0x4000, 0x7000, 0x7000, 0x1000, 0xFFFE, 0x20002 | (iopl << 12), 0x2000, 0 })
                a.push(v);      // GS, FS, DS, ES, SS, ESP, EFLAGS (VM), CS, EIP
            a.iretd();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        h.Load(Tss + 4, BitConverter.GetBytes(0x88000u));
        h.Load(Tss + 8, BitConverter.GetBytes((uint)KernelData));
        h.Load(Tss + 0x66, BitConverter.GetBytes((ushort)0x68));   // bitmap at 0x68: port 0x80 allowed only
        var bitmap = Enumerable.Repeat((byte)0xFF, 0x2001).ToArray();
        bitmap[0x80 / 8] = 0xFE;
        h.Load(Tss + 0x68, bitmap);
        h.Load(Gdt + TssSel, BitConverter.GetBytes(SegmentDescriptor(Tss, 0x68 + 0x2000, 0x89, 0)));
        h.Load(V86Code, h.Assemble(16, 0, v86));
        // #GP monitor: copy the 10-dword frame (error code first) to Frame, DS into EBP, halt.
        h.Load(GpHandler, h.Assemble(32, GpHandler, a =>
        {
            a.mov(ebp, ds);
            a.mov(ax, KernelData);
            a.mov(ds, ax);
            a.mov(es, ax);
            a.mov(esi, esp);
            a.mov(edi, Frame);
            a.mov(ecx, 10);
            a.rep.movsd();
            a.hlt();
        }));
        h.Load(IntHandler, h.Assemble(32, IntHandler, a => { a.mov(edx, __dword_ptr[esp + 8]); a.add(ebx, 1); a.iretd(); }));
        h.Load(Idt + 8 * 13, BitConverter.GetBytes(Gate(KernelCode, GpHandler, 0xE, 0)));
        h.Load(Idt + 8 * 0x40, BitConverter.GetBytes(Gate(KernelCode, IntHandler, 0xE, intGateDpl)));
        return h;
    }

    private static uint FrameWord(CpuHarness h, int i) => BitConverter.ToUInt32(h.Read(Frame + (ulong)(4 * i), 4));

    [Fact]
    public void Cli_with_iopl_0_traps_to_the_monitor_with_the_v86_frame()
    {
        using var h = BootV86(0, a =>
        {
            a.mov(__word_ptr[0x10], 0x5678);   // DS = 0x7000: linear 0x70010
            a.mov(bx, cs);
            a.cli();
        });
        RunWithMessage(h);
        Assert.Equal(0x5678, BitConverter.ToUInt16(h.Read(0x70010, 2)));
        Assert.Equal(0x2000UL, h.Regs.Rbx & 0xFFFF);
        Assert.Equal(0u, FrameWord(h, 0));                  // error code
        Assert.Equal(8u, FrameWord(h, 1));                  // EIP of the CLI
        Assert.Equal(0x2000u, FrameWord(h, 2) & 0xFFFF);    // CS
        Assert.NotEqual(0u, FrameWord(h, 3) & 0x20000);     // EFLAGS.VM
        Assert.Equal(0xFFFEu, FrameWord(h, 4));             // ESP
        Assert.Equal(0x1000u, FrameWord(h, 5) & 0xFFFF);    // SS
        Assert.Equal(new uint[] { 0x7000, 0x7000, 0x4000, 0x5000 },
            new[] { FrameWord(h, 6), FrameWord(h, 7), FrameWord(h, 8), FrameWord(h, 9) }.Select(v => v & 0xFFFF));
        Assert.Equal(0UL, h.Regs.Rbp & 0xFFFF);             // DS was nulled
        Assert.Equal((ulong)(0x88000 - 40), h.Regs.Rsp);    // the ring-0 stack from the TSS
    }

    [Fact]
    public void Int_n_with_iopl_3_goes_to_ring_0_and_iretd_returns_to_v86()
    {
        using var h = BootV86(3, a =>
        {
            a.xor(ebx, ebx);
            a.@int(0x40);
            a.@int(0x40);
            a.pushf();
            a.pop(__word_ptr[0x20]);   // linear 0x70020
            a.@out(0x80, al);   // allowed by the bitmap
            a.@out(0x81, al);   // denied: #GP(0)
        });
        var reason = h.Run();
        int ioExits = 0;
        for (; reason == Hypervisor.Core.Accel.VcpuExitReason.Io; reason = h.Run())
            ioExits++;
        Assert.Equal(Hypervisor.Core.Accel.VcpuExitReason.Hlt, reason);
        Assert.Equal(1, ioExits);
        Assert.Equal(2UL, h.Regs.Rbx);
        Assert.NotEqual(0UL, h.Regs.Rdx & 0x20000);         // VM in the pushed EFLAGS
        Assert.Equal(0x3000, BitConverter.ToUInt16(h.Read(0x70020, 2)) & 0x3000);  // IOPL 3 seen by PUSHF
        Assert.Equal(0u, FrameWord(h, 0));                  // #GP(0) for the denied port
    }

    [Fact]
    public void Int_n_with_iopl_below_3_raises_GP_0()
    {
        using var h = BootV86(0, a => a.@int(0x40));
        RunWithMessage(h);
        Assert.Equal(0u, FrameWord(h, 0));
        Assert.Equal(0u, FrameWord(h, 1));
    }
}
