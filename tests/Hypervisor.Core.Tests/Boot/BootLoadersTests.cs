using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Tests.Guests;

namespace Hypervisor.Core.Tests.Boot;

/// <summary>
/// Every boot format has one loader with one shape, Load(BootConfig, GuestMemory) → BootState, and
/// every loader enters through the one set of <see cref="EntryStates"/>.
/// </summary>
public sealed class BootLoadersTests : IDisposable
{
    private readonly TestFiles _files = new();
    private readonly GuestMemory _memory = new([(0UL, 0xa0000UL), (0x100000UL, 0xf00000UL)]);

    public void Dispose()
    {
        _memory.Dispose();
        _files.Dispose();
    }

    [Fact]
    public void Each_machine_file_format_has_one_loader()
    {
        Assert.Equal(["flat", "multiboot", "linux", "bios"], BootLoaders.All.Select(l => l.Format));
        Assert.IsType<MultibootLoader>(BootLoaders.Find("multiboot"));
        Assert.Null(BootLoaders.Find("elf"));
    }

    [Fact]
    public void An_unknown_format_is_refused_naming_the_known_ones()
    {
        var e = Assert.Throws<BootImageException>(() => BootLoaders.Load(new BootConfig { Format = "elf" }, _memory));
        Assert.Equal("boot format 'elf' is not supported (expected flat, multiboot, linux, bios)", e.Message);
    }

    [Fact]
    public void A_flat_image_enters_the_reset_real_mode_state_with_the_files_registers()
    {
        string image = _files.Write("guest.bin", [0xf4, 0x90, 0x90]);
        var boot = new BootConfig
        {
            Format = "flat", Image = image, LoadAddress = 0x7c00,
            Entry = new Dictionary<string, ulong> { ["cs"] = 0x7c0, ["ss"] = 0x9000, ["rip"] = 0, ["rsp"] = 0xfffe, ["rax"] = 7 },
        };

        var state = BootLoaders.Load(boot, _memory);

        Assert.Equal(EntryStates.RealMode(0x7c0, ds: 0x7c0, es: 0x7c0, fs: 0x7c0, gs: 0x7c0, ss: 0x9000), state.SpecialRegisters);
        Assert.Equal(0xffffu, state.SpecialRegisters.Idt.Limit); // the reset IDTR, as KVM and QEMU reset it
        Assert.Equal((0ul, 0xfffeul, 7ul, X86Bits.RflagsReserved), (state.Registers.Rip, state.Registers.Rsp, state.Registers.Rax, state.Registers.Rflags));
        Assert.Equal([new LoadedRegion("image", 0x7c00, 3)], state.Loaded);
        var copied = new byte[3];
        _memory.Read(0x7c00, copied);
        Assert.Equal([0xf4, 0x90, 0x90], copied);
    }

    [Fact]
    public void A_multiboot_kernel_enters_flat_protected_mode_with_its_gdt()
    {
        var boot = new BootConfig { Format = "multiboot", Kernel = Path.Combine(GuestTree.GuestsDir, "multiboot", "info.elf") };

        var state = BootLoaders.Load(boot, _memory);

        var gdt = state.SpecialRegisters.Gdt;
        Assert.Equal(EntryStates.ProtectedModeFlat(gdt), state.SpecialRegisters);
        Assert.Equal((ushort)(MultibootInfo.GdtSize - 1), gdt.Limit);
        Assert.Equal(EntryStates.MultibootBootloaderMagic, state.Registers.Rax);
        Assert.NotEmpty(state.Loaded);
        Assert.All(state.Loaded, region => Assert.True(_memory.IsRam(region.Address, region.Size), region.ToString()));
    }

    [Fact]
    public void Every_entry_state_has_the_bootstrap_processors_enabled_local_apic()
    {
        using var memory = new GuestMemory([(0UL, 1UL << 20)]);
        VcpuSpecialRegisters[] states = [EntryStates.RealMode(0, 0), EntryStates.ProtectedModeFlat(), EntryStates.LongMode(memory)];
        Assert.All(states, s => Assert.Equal(X86Bits.ApicBaseEnabled | X86Bits.ApicBaseBootstrapProcessor, s.ApicBase));
        Assert.Equal(X86Bits.ApicBaseEnabled, EntryStates.RealMode(0, 0, bootstrapProcessor: false).ApicBase);
    }
}
