using System.Buffers.Binary;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// A 64-bit machine with rings for the IA-32e system tests: page tables whose 2 MiB pages are user
/// accessible (0-4 MiB), a GDT with kernel and user code in 64-bit and compatibility form laid out
/// for SYSENTER/SYSEXIT (SYSENTER_CS = 0x08), a 64-bit TSS (RSP0, IST1), and an IDT whose 32
/// exception gates lead to a recorder: R15 = vector, R14 = the qword at the top of the new stack
/// (the error code, or RIP), R13 = the new RSP, R12 = the next qword (RIP after an error code, else CS), then HLT
/// (R15 starts as <see cref="NoException"/>).
/// The kernel code (64-bit, CPL 0) starts after a prologue that loads the tables.
/// </summary>
public static class LongModeRings
{
    public const ulong Kernel = 0x10_0000, User64 = 0x20_0000, User32 = 0x28_0000, Handlers = 0x1F_0000;
    public const ulong KernelStack = 0x8_0000, UserStack = 0x9_0000, Rsp0 = 0x7_0000, Ist1 = 0x6_0000;
    /// <summary>R15 until the recorder runs.</summary>
    public const ulong NoException = ulong.MaxValue;
    public const ulong Gdt = 0x500, Tss = 0x600, Idt = 0x800, Pml4 = 0x1000;

    /// <summary>GDT selectors: SYSENTER's order (kernel CS, SS, user32 CS, SS, user64 CS, SS), then compat ring 0, the TSS, two 16-byte slots.</summary>
    public const ushort KernelCode = 0x08, KernelData = 0x10, UserCode32 = 0x1B, UserData = 0x23, UserCode64 = 0x2B, UserData64 = 0x33;
    public const ushort KernelCode32 = 0x38, TssSelector = 0x40, Slot1 = 0x50, Slot2 = 0x60, Slot3 = 0x70;

    private static readonly ulong[] Descriptors =
    [
        0,
        0x00AF_9B00_0000_FFFF, // 0x08 64-bit code, DPL 0
        0x00CF_9300_0000_FFFF, // 0x10 data, DPL 0
        0x00CF_FB00_0000_FFFF, // 0x18 32-bit code, DPL 3 (compatibility mode)
        0x00CF_F300_0000_FFFF, // 0x20 data, DPL 3
        0x00AF_FB00_0000_FFFF, // 0x28 64-bit code, DPL 3
        0x00CF_F300_0000_FFFF, // 0x30 data, DPL 3
        0x00CF_9B00_0000_FFFF, // 0x38 32-bit code, DPL 0
    ];

    /// <summary>Writes the tables, the exception recorder, <paramref name="kernel"/> (64-bit, CPL 0) and optional user code; RIP at the prologue.</summary>
    public static CpuHarness Boot(Action<Assembler> kernel, Action<Assembler>? user64 = null, Action<Assembler>? user32 = null)
    {
        var h = new CpuHarness((0, 0x40_0000));
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory)); // replaced by the prologue
        WriteTables(h);
        h.Load(Handlers, Recorder());
        h.Load(Kernel, h.Assemble(64, Kernel, a => { Prologue(a); kernel(a); a.hlt(); }));
        if (user64 != null)
            h.Load(User64, h.Assemble(64, User64, a => { user64(a); a.hlt(); }));
        if (user32 != null)
            h.Load(User32, h.Assemble(32, User32, a => { user32(a); a.hlt(); }));
        var r = h.Regs;
        r.Rip = Kernel;
        r.Rsp = KernelStack;
        r.Rflags = 2;
        r.R15 = NoException;
        h.Vcpu.SetRegisters(r);
        return h;
    }

    /// <summary>A 16-byte system descriptor (TSS or IA-32e gate) written into a GDT slot.</summary>
    public static void WriteGate64(CpuHarness h, ushort slot, ushort selector, ulong offset, int type, int dpl, bool present = true, uint upperType = 0)
    {
        var b = new byte[16];
        uint low = (uint)(offset & 0xFFFF) | ((uint)selector << 16);
        uint high = (uint)(offset & 0xFFFF_0000) | ((uint)type << 8) | ((uint)dpl << 13) | (present ? 1u << 15 : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(b, low);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), high);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), (uint)(offset >> 32));
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(12), upperType << 8);
        h.Load(Gdt + (ulong)(slot & ~7), b);
    }

    /// <summary>An 8-byte descriptor into a GDT slot.</summary>
    public static void WriteDescriptor(CpuHarness h, ushort slot, ulong descriptor)
    {
        var b = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, descriptor);
        h.Load(Gdt + (ulong)(slot & ~7), b);
    }

    /// <summary>Points IDT vector <paramref name="vector"/>'s gate at IST <paramref name="ist"/>.</summary>
    public static void UseIst(CpuHarness h, int vector, int ist)
    {
        var b = h.Read(Idt + (ulong)vector * 16 + 4, 1);
        b[0] = (byte)ist;
        h.Load(Idt + (ulong)vector * 16 + 4, b);
    }

    /// <summary>IRETQ to CPL 3 at <paramref name="target"/>: 64-bit code, or compatibility mode with <paramref name="compat"/>.</summary>
    public static void EnterUser(Assembler a, bool compat = false)
    {
        a.push(UserData);
        a.push((int)UserStack);
        a.push(0x202);
        a.push(compat ? UserCode32 : UserCode64);
        a.push((int)(compat ? User32 : User64));
        a.iretq();
    }

    /// <summary>WRMSR <paramref name="msr"/> = <paramref name="value"/>.</summary>
    public static void Wrmsr(Assembler a, uint msr, ulong value)
    {
        a.mov(ecx, msr);
        a.mov(eax, (uint)value);
        a.mov(edx, (uint)(value >> 32));
        a.wrmsr();
    }

    public static VcpuSpecialRegisters Special(this CpuHarness h) => h.Vcpu.GetSpecialRegisters();

    private static void Prologue(Assembler a)
    {
        var next = a.CreateLabel();
        a.lgdt(__[0x4F0]);
        a.lidt(__[0x4E0]);
        a.mov(ax, TssSelector);
        a.ltr(ax);
        a.mov(eax, (uint)Pml4);
        a.mov(cr3, rax);
        a.push(KernelCode);
        a.lea(rax, __[next]);
        a.push(rax);
        a.db(0x48, 0xCB); // RETFQ
        a.Label(ref next);
        a.mov(ax, KernelData);
        a.mov(ds, ax);
        a.mov(es, ax);
        a.mov(ss, ax);
        a.xor(eax, eax);
    }

    private static void WriteTables(CpuHarness h)
    {
        var b = new byte[0x4000];
        // Pseudo-descriptors: IDTR at 0x4E0, GDTR at 0x4F0.
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x4E0), 32 * 16 - 1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x4E2), Idt);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(0x4F0), 0x80 - 1);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x4F2), Gdt);
        for (int i = 0; i < Descriptors.Length; i++)
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Gdt + i * 8), Descriptors[i]);
        // The 64-bit TSS descriptor (available; LTR marks it busy).
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Gdt + TssSelector), 0x0000_8900_0000_0067 | (Tss << 16));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Tss + 4), Rsp0);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Tss + 0x24), Ist1);
        for (int v = 0; v < 32; v++)
        {
            ulong handler = Handlers + (ulong)v * 32;
            int e = (int)Idt + v * 16;
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(e), (uint)(handler & 0xFFFF) | ((uint)KernelCode << 16));
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(e + 4), (uint)(handler & 0xFFFF_0000) | 0x8E00);
        }
        // PML4 → PDPT → PD: two 2 MiB user pages (P, W, U, PS).
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)Pml4), 0x2000 | 7);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x2000), 0x3000 | 7);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x3000), 0x0000_0000 | 0x87);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(0x3008), 0x0020_0000 | 0x87);
        h.Load(0, b);
    }

    /// <summary>One 32-byte stub per vector: R15 = vector, R14 = [RSP], R13 = RSP, R12 = [RSP + 8], HLT.</summary>
    private static byte[] Recorder()
    {
        var all = new byte[32 * 32];
        for (int v = 0; v < 32; v++)
        {
            var a = new Assembler(64);
            a.mov(r15d, v);
            a.mov(r14, __qword_ptr[rsp]);
            a.mov(r13, rsp);
            a.mov(r12, __qword_ptr[rsp + 8]);
            a.hlt();
            var w = new Writer();
            a.Assemble(w, Handlers + (ulong)v * 32);
            w.Bytes.CopyTo(all, v * 32);
        }
        return all;
    }

    private sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
