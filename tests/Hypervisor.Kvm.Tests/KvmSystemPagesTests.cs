using Hypervisor.Core.Memory;

namespace Hypervisor.Kvm.Tests;

/// <summary>Where KVM's TSS and identity-map pages go: QEMU's addresses when free, else the highest hole below 4 GiB.</summary>
public class KvmSystemPagesTests
{
    private const ulong MiB = 1ul << 20, GiB = 1ul << 30;

    [Fact]
    public void Qemus_addresses_are_kept_when_ram_leaves_them_free()
    {
        var pages = KvmSystemPages.Place([(0, 64 * MiB)]);
        Assert.Equal(new KvmSystemPages(KvmSystemPages.DefaultTssAddress, KvmSystemPages.DefaultIdentityMapAddress), pages);
    }

    [Fact]
    public void Ram_over_qemus_tss_address_moves_the_pages_below_it()
    {
        (ulong, ulong)[] ram = [(0, 64 * MiB), (0xfff0_0000, MiB)];
        var pages = KvmSystemPages.Place(ram)!.Value;

        Assert.Equal(0xfff0_0000 - KvmSystemPages.TssSize, pages.TssAddress);
        Assert.Equal(KvmSystemPages.DefaultIdentityMapAddress, pages.IdentityMapAddress);
        AssertOutsideRam(ram, pages);
    }

    [Fact]
    public void Ram_up_to_4_GiB_with_a_hole_puts_the_pages_in_the_hole_clear_of_the_apics()
    {
        (ulong, ulong)[] ram = [(0x1000, 0xfec0_0000 - 0x1000), (0xfee0_1000, 4 * GiB - 0xfee0_1000)];
        var pages = KvmSystemPages.Place(ram)!.Value;

        AssertOutsideRam(ram, pages);
        Assert.InRange(pages.TssAddress, 0xfec0_1000ul, 0xfee0_0000ul - KvmSystemPages.TssSize);
        Assert.InRange(pages.IdentityMapAddress, 0xfec0_1000ul, 0xfee0_0000ul - KvmSystemPages.PageSize);
    }

    [Fact]
    public void Ram_covering_everything_below_4_GiB_but_page_0_has_no_room_and_says_so()
    {
        (ulong, ulong)[] ram = [(0x1000, 16 * GiB)];
        Assert.Null(KvmSystemPages.Place(ram));
        Assert.StartsWith("KVM needs 16 KiB of guest physical addresses below 4 GiB that are not RAM", KvmSystemPages.Check(ram));
    }

    [Fact]
    public void Ram_above_4_GiB_does_not_matter()
    {
        Assert.Null(KvmSystemPages.Check([(0, 3 * GiB), (4 * GiB, 12 * GiB)]));
    }

    [KvmFact]
    public void A_vm_whose_ram_covers_qemus_tss_address_is_created_with_the_pages_elsewhere()
    {
        using var kvm = KvmAccelerator.Open();
        using var memory = new GuestMemory([(0, 64 * MiB), (0xfff0_0000, MiB)]);
        using var vm = kvm.CreateVm(memory, KvmVmOptions.Default);

        Assert.Equal(0xfff0_0000 - KvmSystemPages.TssSize, vm.SystemPages.TssAddress);
    }

    [KvmFact]
    public void Ram_must_end_inside_the_guest_physical_address_space_kvm_gives()
    {
        using var kvm = KvmAccelerator.Open();
        int bits = kvm.GuestPhysicalAddressBits();
        ulong top = 1ul << bits;

        Assert.InRange(bits, 36, 52);
        Assert.Null(kvm.CheckMemoryLayout([(0, 64 * MiB), (top - 4096, 4096)]));
        Assert.Equal($"RAM [0x{top:x}, 0x{top + 4096:x}) ends above the {bits}-bit guest physical address space KVM gives vCPUs on this host (CPUID 0x80000008)",
            kvm.CheckMemoryLayout([(0, 64 * MiB), (top, 4096)]));
    }

    private static void AssertOutsideRam((ulong Base, ulong Size)[] ram, KvmSystemPages pages)
    {
        foreach (var (start, size) in new[] { (pages.TssAddress, KvmSystemPages.TssSize), (pages.IdentityMapAddress, KvmSystemPages.PageSize) })
        {
            Assert.True(start + size <= 4 * GiB);
            Assert.DoesNotContain(ram, r => r.Base < start + size && start < r.Base + r.Size);
        }
    }
}
