using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Instructions that make many MMIO accesses (issue 12: past 16 the software CPU reissued one
/// access forever). Each program runs twice with DS = ES = SS based at a data area: once in RAM,
/// once behind MMIO, served by a byte array as a device would; registers and bytes must match, and
/// the MMIO run must have made one exit per access.
/// </summary>
public class MmioManyAccessTests
{
    private const uint RamArea = 0x90000;
    private const uint MmioArea = 0xFEC00000;
    private const int AreaSize = 0x1000;

    /// <summary>ENTER 4, 9 with the stack in the area: 1 + 8 reads + 8 writes + 1 = 18 accesses.</summary>
    [Fact]
    public void Enter_with_nesting_level_9_on_an_mmio_stack_completes()
    {
        var (exits, _) = Compare(a =>
        {
            a.mov(esp, 0x800);
            a.mov(ebp, 0x900);
            a.enter(4, 9);
            a.mov(eax, esp);
            a.mov(ebx, ebp);
            a.mov(ecx, __dword_ptr[esp + 8]); // one of the copied frame pointers
            a.hlt();
        });
        Assert.True(exits >= 18, $"{exits} MMIO exits");
    }

    /// <summary>FNSAVE (7 environment doublewords + 80 register bytes) then FRSTOR back: over 80 accesses each way.</summary>
    [Fact]
    public void Fnsave_and_frstor_through_mmio_complete_with_every_byte()
    {
        var (exits, bytes) = Compare(a =>
        {
            a.fninit();
            a.fldpi();
            a.fld1();
            a.fldl2t();
            a.fnsave(__[0x100]);      // empties the stack (FNINIT)
            a.frstor(__[0x100]);
            a.faddp(st1, st0);               // l2t + 1
            a.fstp(__qword_ptr[0x300]);
            a.fstp(__qword_ptr[0x308]); // pi
            a.fnstsw(ax);
            a.hlt();
        });
        Assert.True(exits >= 170, $"{exits} MMIO exits");
        Assert.Equal(Math.PI, BitConverter.ToDouble(bytes, 0x308));
        Assert.Equal(3.3219280948873622 + 1, BitConverter.ToDouble(bytes, 0x300), 12);
    }

    /// <summary>FXSAVE (the 512-byte image, 271 accesses) then FXRSTOR from it (212).</summary>
    [Fact]
    public void Fxsave_and_fxrstor_of_512_bytes_through_mmio_complete()
    {
        var (exits, bytes) = Compare(a =>
        {
            a.mov(eax, cr4);
            a.or(eax, 0x200); // CR4.OSFXSR: the image includes MXCSR and the XMM registers
            a.mov(cr4, eax);
            a.fninit();
            a.fld1();
            a.fldz();
            a.fxsave(__[0x200]);
            a.fninit();
            a.fxrstor(__[0x200]);
            a.fstp(__qword_ptr[0x10]); // 0
            a.fstp(__qword_ptr[0x18]); // 1
            a.fnstsw(ax);
            a.hlt();
        });
        Assert.True(exits >= 483, $"{exits} MMIO exits");
        Assert.Equal(1.0, BitConverter.ToDouble(bytes, 0x18));
        Assert.Equal(0x7F, bytes[0x200]);        // FCW low byte
        Assert.Equal(0xC0, bytes[0x204]);        // abridged tag by physical register: TOP = 6, R6 and R7 valid
    }

    /// <summary>Runs <paramref name="program"/> on RAM and on MMIO; returns the MMIO run's exit count and area bytes.</summary>
    private static (int Exits, byte[] Bytes) Compare(Action<Assembler> program)
    {
        var pattern = new byte[AreaSize];
        for (int i = 0; i < AreaSize; i++)
            pattern[i] = (byte)(i * 7 + 3);

        using var ramRun = new CpuHarness();
        ramRun.Load(RamArea, pattern);
        var ramRegs = Run(ramRun, program, RamArea, null, out _);
        var ramBytes = ramRun.Read(RamArea, AreaSize);

        using var mmioRun = new CpuHarness();
        var device = (byte[])pattern.Clone();
        var mmioRegs = Run(mmioRun, program, MmioArea, device, out int exits);

        Assert.Equal(ramBytes, device);
        Assert.Equal(ramRegs.Rax, mmioRegs.Rax);
        Assert.Equal(ramRegs.Rbx, mmioRegs.Rbx);
        Assert.Equal(ramRegs.Rcx, mmioRegs.Rcx);
        Assert.Equal(ramRegs.Rsp, mmioRegs.Rsp);
        Assert.Equal(ramRegs.Rip, mmioRegs.Rip);
        return (exits, device);
    }

    /// <summary>Runs to HLT with data segments at <paramref name="area"/>, serving MMIO exits there from <paramref name="device"/>.</summary>
    private static VcpuRegisters Run(CpuHarness h, Action<Assembler> code, uint area, byte[]? device, out int exits)
    {
        h.Load(FlatCode, h.Assemble(32, FlatCode, code));
        h.SetFlatProtectedMode((uint)FlatCode);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Ds.Base = s.Es.Base = s.Ss.Base = area;
        s.Ds.Limit = s.Es.Limit = s.Ss.Limit = AreaSize - 1;
        s.Ds.G = s.Es.G = s.Ss.G = false;
        h.Vcpu.SetSpecialRegisters(s);
        h.Vcpu.InstructionLimit = 1000; // the programs are short: a stuck instruction must not hide behind the limit
        for (exits = 0; exits < 10_000; exits++)
        {
            var reason = h.Run();
            if (reason == VcpuExitReason.Hlt)
                return h.Regs;
            Assert.True(reason == VcpuExitReason.Mmio && device != null, $"unexpected {reason}: {h.Vcpu.Exit.Message}");
            var exit = h.Vcpu.Exit;
            int offset = (int)(exit.MmioAddress - MmioArea);
            var window = device.AsSpan(offset, exit.MmioLength);
            if (exit.MmioIsWrite)
                exit.Data.CopyTo(window);
            else
                window.CopyTo(exit.Data);
        }
        Assert.Fail($"no HLT after {exits} MMIO exits (an access is being reissued forever)");
        return default;
    }
}
