using System.Buffers.Binary;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Boot;

namespace Hypervisor.Core.Tests.Boot;

public class EntryStatesTests
{
    [Fact]
    public void Real_mode_segments_have_base_selector_times_16_and_protection_off()
    {
        var s = EntryStates.RealMode(0x1000, 0x2000);
        Assert.Equal(0x10000ul, s.Cs.Base);
        Assert.Equal(0x20000ul, s.Ss.Base);
        Assert.Equal(0xffffu, s.Ds.Limit);
        Assert.Equal(0ul, s.Cr0 & X86Bits.Cr0ProtectionEnable);
        Assert.Equal(X86Bits.BusyTss, s.Tr.Type);
    }

    [Fact]
    public void Protected_mode_flat_has_4_GiB_32_bit_segments()
    {
        var s = EntryStates.ProtectedModeFlat();
        Assert.Equal(X86Bits.Cr0ProtectionEnable, s.Cr0 & X86Bits.Cr0ProtectionEnable);
        Assert.Equal(0xffff_ffffu, s.Cs.Limit);
        Assert.True(s.Cs.Db && s.Cs.G && !s.Cs.L);
        Assert.Equal(X86Bits.CodeExecuteReadAccessed, s.Cs.Type);
        Assert.Equal(X86Bits.DataReadWriteAccessed, s.Ds.Type);
        var r = EntryStates.MultibootRegisters(0x100000, 0x9000);
        Assert.Equal(0x2BADB002ul, r.Rax);
        Assert.Equal(0x9000ul, r.Rbx);
    }

    [Theory]
    [InlineData(0x0ul)]
    [InlineData(0x1234_5678ul)]
    [InlineData(0xfee0_0000ul)]
    [InlineData(0xffff_fffful)]
    public void Long_mode_page_tables_map_every_address_to_itself(ulong address)
    {
        using var memory = new GuestMemory([(0, 1ul << 20)]);
        var s = EntryStates.LongMode(memory);
        Assert.Equal(address, Translate(memory, s.Cr3, address));
        Assert.Equal(X86Bits.EferLongModeActive | X86Bits.EferLongModeEnable, s.Efer);
        Assert.True(s.Cs.L && !s.Cs.Db);
        Assert.Equal(LongModeTables.CodeSelector, s.Cs.Selector);
    }

    [Fact]
    public void Long_mode_gdt_holds_the_linux_boot_code_and_data_descriptors()
    {
        using var memory = new GuestMemory([(0, 1ul << 20)]);
        var s = EntryStates.LongMode(memory);
        Span<byte> gdt = stackalloc byte[40];
        memory.Read(s.Gdt.Base, gdt);
        ulong code = BinaryPrimitives.ReadUInt64LittleEndian(gdt[0x10..]);
        ulong data = BinaryPrimitives.ReadUInt64LittleEndian(gdt[0x18..]);
        Assert.Equal(1ul, (code >> 53) & 1);   // L
        Assert.Equal(0x9bul, (code >> 40) & 0xff); // present, code, execute/read, accessed
        Assert.Equal(0x93ul, (data >> 40) & 0xff); // present, data, read/write, accessed
    }

    [Fact]
    public void Long_mode_tables_outside_ram_are_refused_with_the_range()
    {
        using var memory = new GuestMemory([(0, 0x8000)]);
        var e = Assert.Throws<ArgumentException>(() => EntryStates.LongMode(memory));
        Assert.Equal("the identity page tables at [0x9000, 0xf000) is not in guest RAM", e.Message);
    }

    /// <summary>A 4-level walk ending in a 2 MiB page, as the MMU does it (Intel SDM Vol. 3A §4.5).</summary>
    private static ulong Translate(GuestMemory memory, ulong cr3, ulong linear)
    {
        const ulong addressMask = 0x000f_ffff_ffff_f000;
        ulong pml4e = ReadEntry(memory, (cr3 & addressMask) + ((linear >> 39) & 0x1ff) * 8);
        ulong pdpte = ReadEntry(memory, (pml4e & addressMask) + ((linear >> 30) & 0x1ff) * 8);
        ulong pde = ReadEntry(memory, (pdpte & addressMask) + ((linear >> 21) & 0x1ff) * 8);
        Assert.Equal(X86Bits.PageLarge, pde & X86Bits.PageLarge);
        return (pde & 0x000f_ffff_ffe0_0000) | (linear & 0x1f_ffff);
    }

    private static ulong ReadEntry(GuestMemory memory, ulong address)
    {
        Span<byte> entry = stackalloc byte[8];
        memory.Read(address, entry);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(entry);
        Assert.Equal(X86Bits.PagePresent, value & X86Bits.PagePresent);
        return value;
    }
}
