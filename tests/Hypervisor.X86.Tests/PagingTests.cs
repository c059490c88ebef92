using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>Paging: translation, #PF with CR2 and error code, U/S and R/W with CR0.WP, A/D bits, 4 MiB pages, INVLPG, PAE.</summary>
public class PagingTests
{
    private const uint PageDirectory = 0x80000, PageTable = 0x81000, PfHandler = 0x30000;

    /// <summary>Flat protected mode with an identity-mapped first 1 MiB (supervisor, writable) and a #PF handler
    /// that stores CR2 in ESI and the error code in EDI, then halts.</summary>
    private static CpuHarness PagedHarness(Action<CpuHarness> tables)
    {
        var h = new CpuHarness();
        for (uint i = 0; i < 256; i++)
            h.Load(PageTable + i * 4, BitConverter.GetBytes((i << 12) | 0x3));
        h.Load(PageDirectory, BitConverter.GetBytes(PageTable | 0x3));
        tables(h);
        // IDT at 0x2000 with a #PF interrupt gate.
        ulong gate = (PfHandler & 0xFFFF) | (0x08UL << 16) | (0x8EUL << 40) | ((ulong)(PfHandler >> 16) << 48);
        h.Load(0x2000 + 14 * 8, BitConverter.GetBytes(gate));
        h.Load(PfHandler, h.Assemble(32, PfHandler, a => { a.pop(edi); a.mov(esi, cr2); a.hlt(); }));
        return h;
    }

    private static VcpuRegisters RunPaged(CpuHarness h, Action<Assembler> code, uint cr4 = 0)
    {
        h.Load(FlatCode, h.Assemble(32, FlatCode, code));
        h.SetFlatProtectedMode((uint)FlatCode, 0x70000);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Idt = new DescriptorTableRegister { Base = 0x2000, Limit = 0x7FF };
        // GDT at 0x1000: null, flat 32-bit code (0x08), flat data (0x10).
        h.Load(0x1008, BitConverter.GetBytes(0x00CF9A000000FFFFUL));
        h.Load(0x1010, BitConverter.GetBytes(0x00CF92000000FFFFUL));
        s.Gdt = new DescriptorTableRegister { Base = 0x1000, Limit = 0x17 };
        s.Cr3 = PageDirectory;
        s.Cr4 = cr4;
        s.Cr0 |= 0x80000000;
        h.Vcpu.SetSpecialRegisters(s);
        return RunToHlt(h);
    }

    [Fact]
    public void Mapped_pages_translate_and_set_accessed_and_dirty_bits()
    {
        using var h = PagedHarness(h =>
            h.Load(PageTable + 0x400 * 4, BitConverter.GetBytes(0x5000u | 0x3))); // 0x400000 -> 0x5000
        // Linear 0x400000 lives in the second page table; map it through PDE 1.
        h.Load(PageDirectory + 4, BitConverter.GetBytes((PageTable + 0x1000) | 0x3));
        h.Load(PageTable + 0x1000, BitConverter.GetBytes(0x5000u | 0x3));
        var r = RunPaged(h, a => { a.mov(__dword_ptr[0x400010], 0xDEADBEEF); a.mov(eax, __dword_ptr[0x400010]); a.hlt(); });
        Assert.Equal(0xDEADBEEFUL, r.Rax);
        Assert.Equal(0xDEADBEEFu, BitConverter.ToUInt32(h.Read(0x5010, 4)));
        uint pte = BitConverter.ToUInt32(h.Read(PageTable + 0x1000, 4));
        Assert.Equal(0x60u, pte & 0x60); // accessed | dirty
    }

    [Fact]
    public void Not_present_page_raises_PF_with_cr2_and_error_code()
    {
        using var h = PagedHarness(_ => { });
        var r = RunPaged(h, a => { a.mov(__dword_ptr[0x12345678], 1); a.hlt(); });
        Assert.Equal(0x12345678UL, r.Rsi);
        Assert.Equal(0x2UL, r.Rdi); // not present, write, supervisor
    }

    [Fact]
    public void Write_to_read_only_page_faults_only_with_cr0_wp()
    {
        using var h = PagedHarness(h => h.Load(PageTable + 0x60 * 4, BitConverter.GetBytes(0x60000u | 0x1)));
        var r = RunPaged(h, a => { a.mov(__dword_ptr[0x60000], 7); a.mov(eax, __dword_ptr[0x60000]); a.hlt(); });
        Assert.Equal(7UL, r.Rax); // supervisor writes ignore R/W while WP = 0

        using var h2 = PagedHarness(h => h.Load(PageTable + 0x60 * 4, BitConverter.GetBytes(0x60000u | 0x1)));
        r = RunPaged(h2, a =>
        {
            a.mov(eax, cr0); a.or(eax, 1 << 16); a.mov(cr0, eax);
            a.mov(__dword_ptr[0x60000], 7); a.hlt();
        });
        Assert.Equal(0x60000UL, r.Rsi);
        Assert.Equal(0x3UL, r.Rdi); // present, write
    }

    [Fact]
    public void Large_pages_with_pse()
    {
        using var h = PagedHarness(h => h.Load(PageDirectory + 4 * 2, BitConverter.GetBytes(0x00000000u | 0x83))); // 0x800000 -> 0 (4 MiB)
        var r = RunPaged(h, a => { a.mov(__dword_ptr[0x1000], 0x55AA); a.mov(eax, __dword_ptr[0x801000]); a.hlt(); }, cr4: 0x10);
        Assert.Equal(0x55AAUL, r.Rax);
    }

    [Fact]
    public void Invlpg_drops_a_stale_translation()
    {
        using var h = PagedHarness(h =>
        {
            h.Load(PageTable + 0x90 * 4, BitConverter.GetBytes(0x91000u | 0x3));
            h.Load(0x91000, BitConverter.GetBytes(1u));
            h.Load(0x92000, BitConverter.GetBytes(2u));
        });
        var r = RunPaged(h, a =>
        {
            a.mov(eax, __dword_ptr[0x90000]);               // caches 0x90000 -> 0x91000
            a.mov(__dword_ptr[PageTable + 0x90 * 4], 0x92003); // remap
            a.mov(ebx, __dword_ptr[0x90000]);               // stale TLB: still 1
            a.invlpg(__[0x90000]);
            a.mov(ecx, __dword_ptr[0x90000]);               // 2
            a.hlt();
        });
        Assert.Equal(1UL, r.Rax);
        Assert.Equal(1UL, r.Rbx);
        Assert.Equal(2UL, r.Rcx);
    }

    [Fact]
    public void Pae_paging_translates_through_three_levels()
    {
        using var h = new CpuHarness();
        const uint pdpt = 0x84000, pd = 0x85000, pt = 0x86000;
        h.Load(pdpt, BitConverter.GetBytes((ulong)pd | 1));
        h.Load(pd, BitConverter.GetBytes((ulong)pt | 3));
        for (uint i = 0; i < 256; i++)
            h.Load(pt + i * 8, BitConverter.GetBytes((ulong)((i << 12) | 3)));
        h.Load(pt + 0xA0 * 8, BitConverter.GetBytes((ulong)(0x3000 | 3))); // 0xA0000 -> 0x3000
        h.Load(0x3000, BitConverter.GetBytes(0x13572468u));
        h.Load(FlatCode, h.Assemble(32, FlatCode, a => { a.mov(eax, __dword_ptr[0xA0000]); a.hlt(); }));
        h.SetFlatProtectedMode((uint)FlatCode, 0x70000);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Cr3 = pdpt;
        s.Cr4 = 0x20;
        s.Cr0 |= 0x80000000;
        h.Vcpu.SetSpecialRegisters(s);
        Assert.Equal(0x13572468UL, RunToHlt(h).Rax);
    }

    [Fact]
    public void Pae_no_execute_page_faults_on_fetch_with_the_instruction_bit()
    {
        using var h = new CpuHarness();
        const uint pdpt = 0x84000, pd = 0x85000, pt = 0x86000;
        h.Load(pdpt, BitConverter.GetBytes((ulong)pd | 1));
        h.Load(pd, BitConverter.GetBytes((ulong)pt | 3));
        for (uint i = 0; i < 256; i++)
            h.Load(pt + i * 8, BitConverter.GetBytes((ulong)((i << 12) | 3)));
        h.Load(pt + 0xA0 * 8, BitConverter.GetBytes((1UL << 63) | 0xA0000 | 3)); // no-execute
        h.Load(0xA0000, [0xF4]);
        h.Load(0x1008, BitConverter.GetBytes(0x00CF9A000000FFFFUL));
        h.Load(0x1010, BitConverter.GetBytes(0x00CF92000000FFFFUL));
        ulong gate = (0x30000 & 0xFFFF) | (0x08UL << 16) | (0x8EUL << 40);
        h.Load(0x2000 + 14 * 8, BitConverter.GetBytes(gate | ((ulong)(0x30000 >> 16) << 48)));
        h.Load(0x30000, h.Assemble(32, 0x30000, a => { a.pop(edi); a.mov(esi, cr2); a.hlt(); }));
        h.Load(FlatCode, h.Assemble(32, FlatCode, a =>
        {
            a.mov(ecx, 0xC0000080); a.rdmsr(); a.or(eax, 0x800); a.wrmsr();
            a.mov(ebx, __dword_ptr[0xA0000]); // data reads are allowed
            a.mov(eax, 0xA0000); a.call(eax);
        }));
        h.SetFlatProtectedMode((uint)FlatCode, 0x70000);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Gdt = new DescriptorTableRegister { Base = 0x1000, Limit = 0x17 };
        s.Idt = new DescriptorTableRegister { Base = 0x2000, Limit = 0x7FF };
        s.Cr3 = pdpt;
        s.Cr4 = 0x20;
        s.Cr0 |= 0x80000000;
        h.Vcpu.SetSpecialRegisters(s);
        var r = RunToHlt(h);
        Assert.Equal(0xF4UL, r.Rbx & 0xFF);
        Assert.Equal(0xA0000UL, r.Rsi);
        Assert.Equal(0x11UL, r.Rdi); // present | instruction fetch
    }
}
