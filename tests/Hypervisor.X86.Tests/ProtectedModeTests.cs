using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Protected mode entered the way a boot loader does it, descriptor checks with their error codes,
/// ring 3 to ring 0 through an interrupt gate with the TSS stack switch, and triple fault.
/// </summary>
public class ProtectedModeTests
{
    // Memory layout of these tests.
    internal const uint Gdt = 0x1000, Idt = 0x2000, Tss = 0x3000, Code32 = 0x10000, Ring3Code = 0x20000;
    internal const ushort KernelCode = 0x08, KernelData = 0x10, UserCode = 0x1B, UserData = 0x23, TssSel = 0x28, Code16 = 0x30;

    internal static ulong SegmentDescriptor(uint bas, uint limit, byte access, byte flags) =>
        (limit & 0xFFFF) | ((ulong)(bas & 0xFFFFFF) << 16) | ((ulong)access << 40)
        | ((ulong)((limit >> 16) & 0xF) << 48) | ((ulong)(flags & 0xF) << 52) | ((ulong)(bas >> 24) << 56);

    internal static ulong Gate(ushort selector, uint offset, byte type, int dpl) =>
        (offset & 0xFFFF) | ((ulong)selector << 16) | ((ulong)(0x80 | (dpl << 5) | type) << 40) | ((ulong)(offset >> 16) << 48);

    internal static VcpuExitReason RunWithMessage(CpuHarness h)
    {
        var reason = h.Run();
        if (reason != VcpuExitReason.Hlt)
            Assert.Fail($"{reason}: {h.Vcpu.Exit.Message} at EIP {h.Regs.Rip:x}");
        return reason;
    }

    /// <summary>The 6-byte memory image LGDT/LIDT read.</summary>
    internal static byte[] Dtr(ushort limit, uint bas) => [.. BitConverter.GetBytes(limit), .. BitConverter.GetBytes(bas)];

    internal static void WriteGdt(CpuHarness h)
    {
        ulong[] gdt =
        [
            0,
            SegmentDescriptor(0, 0xFFFFF, 0x9A, 0xC), // 0x08 ring 0 code, 32-bit, 4 GiB
            SegmentDescriptor(0, 0xFFFFF, 0x92, 0xC), // 0x10 ring 0 data
            SegmentDescriptor(0, 0xFFFFF, 0xFA, 0xC), // 0x18 ring 3 code
            SegmentDescriptor(0, 0xFFFFF, 0xF2, 0xC), // 0x20 ring 3 data
            SegmentDescriptor(Tss, 0x67, 0x89, 0x0),  // 0x28 32-bit TSS (available)
            SegmentDescriptor(0, 0xFFFF, 0x9A, 0x0),  // 0x30 16-bit code
            SegmentDescriptor(0, 0x0FFF, 0x92, 0x0),  // 0x38 small data segment, limit 4 KiB - 1
        ];
        for (int i = 0; i < gdt.Length; i++)
            h.Load(Gdt + (ulong)(8 * i), BitConverter.GetBytes(gdt[i]));
    }

    /// <summary>Boots from real mode like a loader: LGDT, CR0.PE, far JMP to 32-bit code.</summary>
    internal static CpuHarness Boot(Action<Assembler> code32)
    {
        var h = new CpuHarness();
        WriteGdt(h);
        h.Load(0x500, Dtr(0x3F, Gdt)); // GDTR image: limit 0x3F
        h.Load(0x7C00, h.Assemble(16, 0x7C00, a =>
        {
            a.cli();
            a.lgdt(__[0x500]);
            a.mov(eax, cr0);
            a.or(eax, 1);
            a.mov(cr0, eax);
            a.db(0x66, 0xEA); // jmp dword KernelCode:Code32
            a.dd(Code32);
            a.dw(KernelCode);
        }));
        h.Load(Code32, h.Assemble(32, Code32, a =>
        {
            a.mov(ax, KernelData);
            a.mov(ds, ax); a.mov(es, ax); a.mov(ss, ax); a.mov(fs, ax); a.mov(gs, ax);
            a.mov(esp, 0x90000);
            code32(a);
        }));
        h.SetRealMode(0, 0x7C00, 0, 0x7000);
        return h;
    }

    [Fact]
    public void Boot_enters_32_bit_protected_mode_and_runs_32_bit_code()
    {
        using var h = Boot(a => { a.mov(eax, 0x12345678); a.mov(__dword_ptr[0x60000], eax); a.hlt(); });
        Assert.Equal(VcpuExitReason.Hlt, RunWithMessage(h));
        var s = h.Vcpu.GetSpecialRegisters();
        Assert.Equal(KernelCode, s.Cs.Selector);
        Assert.True(s.Cs.Db);
        Assert.Equal(1UL, s.Cr0 & 1);
        Assert.Equal(0x12345678UL, h.Regs.Rax);
    }

    private static (uint Vector, uint Error, uint Eip) RunAndCatchException(Action<Assembler> body, int vector, bool hasError)
    {
        using var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            body(a);
            a.hlt();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        // Handler: store error code (if any), return EIP and vector, then halt.
        uint handler = 0x30000;
        h.Load(handler, h.Assemble(32, handler, a =>
        {
            if (hasError) { a.pop(ebx); } else { a.xor(ebx, ebx); }
            a.pop(ecx); // faulting EIP
            a.mov(edx, (uint)vector);
            a.hlt();
        }));
        h.Load(Idt + (ulong)(8 * vector), BitConverter.GetBytes(Gate(KernelCode, handler, 0xE, 0)));
        Assert.Equal(VcpuExitReason.Hlt, RunWithMessage(h));
        var r = h.Regs;
        return ((uint)r.Rdx, (uint)r.Rbx, (uint)r.Rcx);
    }

    [Fact]
    public void Loading_a_selector_beyond_the_gdt_limit_raises_GP_with_the_selector()
    {
        var (v, e, _) = RunAndCatchException(a => { a.mov(ax, 0x48); a.mov(ds, ax); }, 13, true);
        Assert.Equal(13u, v);
        Assert.Equal(0x48u, e);
    }

    [Fact]
    public void Loading_ss_with_a_code_segment_raises_GP_and_a_null_ss_raises_GP0()
    {
        var (_, e, _) = RunAndCatchException(a => { a.mov(ax, KernelCode); a.mov(ss, ax); }, 13, true);
        Assert.Equal((uint)KernelCode, e);
        (_, e, _) = RunAndCatchException(a => { a.xor(eax, eax); a.mov(ss, ax); }, 13, true);
        Assert.Equal(0u, e);
    }

    [Fact]
    public void Access_beyond_a_segment_limit_raises_GP0_at_the_faulting_instruction()
    {
        uint faultEip = 0;
        var (v, e, eip) = RunAndCatchException(a =>
        {
            a.mov(ax, 0x38); a.mov(es, ax);
            a.mov(__dword_ptr.es[0xFFE], 1); // crosses the 4 KiB limit
        }, 13, true);
        Assert.Equal(13u, v);
        Assert.Equal(0u, e);
        Assert.NotEqual(faultEip, eip);
        Assert.InRange(eip, Code32, Code32 + 0x40);
    }

    [Fact]
    public void Null_data_segment_use_raises_GP0()
    {
        var (v, e, _) = RunAndCatchException(a => { a.xor(eax, eax); a.mov(fs, ax); a.mov(eax, __dword_ptr.fs[0]); }, 13, true);
        Assert.Equal(13u, v);
        Assert.Equal(0u, e);
    }

    [Fact]
    public void Ring3_int_to_ring0_switches_to_the_tss_stack_and_iret_returns()
    {
        using var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.mov(ax, TssSel);
            a.ltr(ax);
            // IRET to ring 3: SS, ESP, EFLAGS, CS, EIP.
            a.push(UserData);
            a.push(0x70000);
            a.push(0x202);
            a.push(UserCode);
            a.push(Ring3Code);
            a.iretd();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        // TSS: ESP0 = 0x88000, SS0 = kernel data.
        h.Load(Tss + 4, BitConverter.GetBytes(0x88000u));
        h.Load(Tss + 8, BitConverter.GetBytes((uint)KernelData));
        h.Load(Tss + 0x66, BitConverter.GetBytes((ushort)0x68)); // no I/O bitmap
        // Ring 3: read CS, call INT 0x80, then try a privileged instruction (CLI with IOPL 0 -> #GP).
        h.Load(Ring3Code, h.Assemble(32, Ring3Code, a =>
        {
            a.mov(eax, 3);
            a.@int(0x80);
            a.mov(edi, eax);   // result of the system call
            a.mov(esi, cs);
            a.cli();           // #GP(0) at CPL 3
        }));
        // INT 0x80 handler (DPL 3 trap gate): record SS:ESP it runs on and the pushed frame; iret.
        uint sys = 0x31000;
        h.Load(sys, h.Assemble(32, sys, a =>
        {
            a.mov(ebx, esp);                      // 0x88000 - 20
            a.mov(ecx, __dword_ptr[esp + 4]);     // pushed CS
            a.mov(edx, ss);
            a.add(eax, 100);
            a.iretd();
        }));
        uint gp = 0x32000;
        h.Load(gp, h.Assemble(32, gp, a => { a.pop(ebp); a.hlt(); })); // error code into EBP
        h.Load(Idt + 8 * 0x80, BitConverter.GetBytes(Gate(KernelCode, sys, 0xF, 3)));
        h.Load(Idt + 8 * 13, BitConverter.GetBytes(Gate(KernelCode, gp, 0xE, 0)));

        Assert.Equal(VcpuExitReason.Hlt, RunWithMessage(h));
        var r = h.Regs;
        Assert.Equal(0x88000UL - 20, r.Rbx);
        Assert.Equal((ulong)UserCode, r.Rcx);
        Assert.Equal((ulong)KernelData, r.Rdx);
        Assert.Equal(103UL, r.Rdi);
        Assert.Equal((ulong)UserCode, r.Rsi & 0xFFFF);
        Assert.Equal(0UL, r.Rbp); // #GP(0)
        var s = h.Vcpu.GetSpecialRegisters();
        Assert.Equal((ushort)KernelCode, s.Cs.Selector);
        // The busy bit was set in the TSS descriptor by LTR.
        Assert.Equal(0x8B, h.Read(Gdt + TssSel + 5, 1)[0]);
    }

    [Fact]
    public void Int_to_a_gate_with_lower_dpl_from_ring3_raises_GP_with_the_idt_error_code()
    {
        using var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.mov(ax, TssSel); a.ltr(ax);
            a.push(UserData); a.push(0x70000); a.push(0x202); a.push(UserCode); a.push(Ring3Code);
            a.iretd();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        h.Load(Tss + 4, BitConverter.GetBytes(0x88000u));
        h.Load(Tss + 8, BitConverter.GetBytes((uint)KernelData));
        h.Load(Ring3Code, h.Assemble(32, Ring3Code, a => a.@int(0x40)));
        h.Load(Idt + 8 * 0x40, BitConverter.GetBytes(Gate(KernelCode, 0x31000, 0xE, 0)));
        h.Load(0x32000, h.Assemble(32, 0x32000, a => { a.pop(ebp); a.hlt(); }));
        h.Load(Idt + 8 * 13, BitConverter.GetBytes(Gate(KernelCode, 0x32000, 0xE, 0)));
        Assert.Equal(VcpuExitReason.Hlt, RunWithMessage(h));
        Assert.Equal((ulong)(0x40 * 8 + 2), h.Regs.Rbp);
    }

    [Fact]
    public void Fault_with_no_idt_entry_escalates_to_a_triple_fault_shutdown()
    {
        using var h = Boot(a =>
        {
            a.lidt(__[0x510]); // empty IDT
            a.mov(ax, 0x48); a.mov(ds, ax);
        });
        h.Load(0x510, Dtr(0, 0));
        Assert.Equal(VcpuExitReason.Shutdown, h.Run());
        Assert.Contains("triple fault", h.Vcpu.Exit.Message);
    }

    [Fact]
    public void Lar_lsl_verr_verw_report_through_zf()
    {
        using var h = Boot(a =>
        {
            a.mov(ax, 0x38);
            a.lsl(ebx, eax);      // 0xFFF
            a.lar(ecx, eax);      // access rights
            a.verw(ax); a.setz(dl);
            a.mov(ax, KernelCode);
            a.verw(ax); a.setz(dh); // code is not writable
            a.mov(ax, 0x48);
            a.lsl(esi, eax); a.setz(al);
            a.hlt();
        });
        Assert.Equal(VcpuExitReason.Hlt, RunWithMessage(h));
        var r = h.Regs;
        Assert.Equal(0xFFFUL, r.Rbx);
        Assert.Equal(0x9200UL, r.Rcx & 0xFF00);
        Assert.Equal(0x0001UL, r.Rdx & 0xFFFF);
        Assert.Equal(0UL, r.Rax & 0xFF);
    }
}
