using Hypervisor.Core.Accel;
using Iced.Intel;
using static Hypervisor.X86.Tests.ProtectedModeTests;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Hardware task switches (SDM Vol. 3, chapter 7): CALL/JMP to a TSS and through task gates, INT n
/// and exceptions through IDT task gates, IRET with NT along the back link, busy bits, CR0.TS, and
/// the #GP/#TS checks.
/// </summary>
public class TaskSwitchTests
{
    // Task A is the boot task (TSS at ProtectedModeTests.Tss, selector 0x28); task B is a second TSS.
    private const uint TssB = 0x4000, TaskBCode = 0x21000, TaskBStack = 0x78000, Idt = 0x2000;
    private const ushort TssBSel = 0x40, GateBSel = 0x48, SmallTssSel = 0x50;

    private static CpuHarness BootWithTasks(Action<Assembler> taskA, Action<Assembler> taskB)
    {
        var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.mov(ax, TssSel);
            a.ltr(ax);
            taskA(a);
        });
        h.Load(0x500, Dtr(0x7F, Gdt));
        h.Load(0x510, Dtr(0x7FF, Idt));
        h.Load(Gdt + TssBSel, BitConverter.GetBytes(SegmentDescriptor(TssB, 0x67, 0x89, 0)));
        h.Load(Gdt + GateBSel, BitConverter.GetBytes(Gate(TssBSel, 0, 0x5, 0)));
        h.Load(Gdt + SmallTssSel, BitConverter.GetBytes(SegmentDescriptor(0x5000, 0x40, 0x89, 0)));
        // Task B's initial state: ring 0 flat segments, its own stack, EFLAGS with only bit 1.
        h.Load(TssB + 0x20, BitConverter.GetBytes(TaskBCode));
        h.Load(TssB + 0x24, BitConverter.GetBytes(2u));
        h.Load(TssB + 0x38, BitConverter.GetBytes(TaskBStack));
        h.Load(TssB + 0x28, BitConverter.GetBytes(0xBBBBBBBBu)); // EAX
        foreach (int seg in new[] { 0, 2, 3, 4, 5 })
            h.Load(TssB + 0x48 + (ulong)(4 * seg), BitConverter.GetBytes((uint)KernelData));
        h.Load(TssB + 0x4C, BitConverter.GetBytes((uint)KernelCode));
        h.Load(TaskBCode, h.Assemble(32, TaskBCode, taskB));
        return h;
    }

    private static uint Busy(CpuHarness h, ushort sel) => (uint)(h.Read(Gdt + sel + 5, 1)[0] >> 1) & 1;

    [Fact]
    public void Call_to_a_tss_runs_the_task_with_NT_and_back_link_and_iret_returns()
    {
        using var h = BootWithTasks(
            a =>
            {
                a.mov(eax, 0xAAAA);
                a.call(TssBSel, 0);
                a.mov(__dword_ptr[0x60010], eax);
                a.mov(ebx, cr0);
                a.str(cx);
                a.hlt();
            },
            a =>
            {
                a.mov(__dword_ptr[0x60000], eax);   // B's own EAX from its TSS
                a.pushfd();
                a.pop(__dword_ptr[0x60004]);        // NT set by the CALL
                a.str(dx);
                a.mov(__dword_ptr[0x60008], edx);
                a.iretd();                          // NT: back to task A
            });
        // CALL far 0x40:0 (the offset is ignored for a TSS).
        RunWithMessage(h);
        Assert.Equal(0xBBBBBBBBu, BitConverter.ToUInt32(h.Read(0x60000, 4)));
        Assert.NotEqual(0u, BitConverter.ToUInt32(h.Read(0x60004, 4)) & (1u << 14));
        Assert.Equal((uint)TssBSel, BitConverter.ToUInt32(h.Read(0x60008, 4)) & 0xFFFF);
        Assert.Equal(0xAAAAu, BitConverter.ToUInt32(h.Read(0x60010, 4)));       // A's EAX restored
        Assert.Equal((ushort)TssSel, BitConverter.ToUInt16(h.Read(TssB, 2)));  // back link
        Assert.Equal(8UL, h.Regs.Rbx & 8);                                       // CR0.TS
        Assert.Equal((ulong)TssSel, h.Regs.Rcx & 0xFFFF);
        Assert.Equal(0u, Busy(h, TssBSel));
        Assert.Equal(1u, Busy(h, TssSel));
    }

    [Fact]
    public void Jmp_through_a_task_gate_saves_the_old_task_and_moves_the_busy_bit()
    {
        using var h = BootWithTasks(
            a => { a.mov(esi, 0x1234); a.jmp(GateBSel, 0); a.hlt(); },
            a => { a.pushfd(); a.pop(edi); a.hlt(); });
        RunWithMessage(h);
        var r = h.Regs;
        Assert.Equal(0xBBBBBBBBUL, r.Rax);
        Assert.Equal(0UL, r.Rdi & (1u << 14));                                   // JMP: no NT
        Assert.Equal((ushort)TssBSel, h.Vcpu.GetSpecialRegisters().Tr.Selector);
        Assert.Equal(0u, Busy(h, TssSel));
        Assert.Equal(1u, Busy(h, TssBSel));
        Assert.Equal(0x1234u, BitConverter.ToUInt32(h.Read(Tss + 0x40, 4)));     // A's ESI saved
        uint savedEip = BitConverter.ToUInt32(h.Read(Tss + 0x20, 4));
        Assert.Equal(0xF4, h.Read(savedEip, 1)[0]);                              // the HLT after the JMP
        Assert.Equal((uint)KernelData, BitConverter.ToUInt32(h.Read(Tss + 0x50, 4)) & 0xFFFF);
    }

    [Fact]
    public void Exception_through_an_idt_task_gate_pushes_the_error_code_on_the_new_tasks_stack()
    {
        using var h = BootWithTasks(
            a => { a.mov(ax, 0x7F8); a.mov(ds, ax); a.hlt(); },   // #GP(0x7F8): beyond the GDT limit
            a => { a.pop(ebx); a.mov(ecx, esp); a.hlt(); });
        h.Load(Idt + 8 * 13, BitConverter.GetBytes(Gate(TssBSel, 0, 0x5, 0)));
        RunWithMessage(h);
        var r = h.Regs;
        Assert.Equal(0x7F8UL, r.Rbx);
        Assert.Equal((ulong)TaskBStack, r.Rcx);
        Assert.Equal((ushort)TssSel, BitConverter.ToUInt16(h.Read(TssB, 2)));
        uint savedEip = BitConverter.ToUInt32(h.Read(Tss + 0x20, 4));
        Assert.Equal(0x8E, h.Read(savedEip + 1, 1)[0]);                          // the faulting MOV DS
    }

    [Fact]
    public void Int_n_through_a_task_gate_and_iret_back_resumes_after_the_int()
    {
        using var h = BootWithTasks(
            a => { a.mov(edx, 5); a.@int(0x40); a.add(edx, 1); a.hlt(); },
            a =>
            {
                a.mov(__dword_ptr[0x60020], 0x77);
                a.iretd();
            });
        h.Load(Idt + 8 * 0x40, BitConverter.GetBytes(Gate(TssBSel, 0, 0x5, 0)));
        RunWithMessage(h);
        Assert.Equal(6UL, h.Regs.Rdx);
        Assert.Equal(0x77u, BitConverter.ToUInt32(h.Read(0x60020, 4)));
    }

    [Fact]
    public void Jmp_to_a_busy_tss_raises_GP_with_its_selector()
    {
        var (v, e) = RunAndCatch(a => a.jmp(TssSel, 0), 13);
        Assert.Equal(13u, v);
        Assert.Equal((uint)TssSel, e);
    }

    [Fact]
    public void Tss_with_a_limit_below_0x67_raises_TS_with_its_selector()
    {
        var (v, e) = RunAndCatch(a => a.jmp(SmallTssSel, 0), 10);
        Assert.Equal(10u, v);
        Assert.Equal((uint)SmallTssSel, e);
    }

    [Fact]
    public void New_task_with_a_bad_ds_raises_TS_in_the_new_task()
    {
        var (v, e) = RunAndCatch(a => a.jmp(TssBSel, 0), 10, h => h.Load(TssB + 0x54, BitConverter.GetBytes(0x7F8u)));
        Assert.Equal(10u, v);
        Assert.Equal(0x7F8u, e);
    }

    private static (uint Vector, uint Error) RunAndCatch(Action<Assembler> body, int vector, Action<CpuHarness>? setup = null)
    {
        using var h = BootWithTasks(body, a => a.hlt());
        uint handler = 0x30000;
        h.Load(handler, h.Assemble(32, handler, a => { a.pop(ebx); a.mov(edx, (uint)vector); a.hlt(); }));
        h.Load(Idt + (ulong)(8 * vector), BitConverter.GetBytes(Gate(KernelCode, handler, 0xE, 0)));
        setup?.Invoke(h);
        RunWithMessage(h);
        return ((uint)h.Regs.Rdx, (uint)h.Regs.Rbx);
    }
}
