using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;
using Hypervisor.Testing;
using MiniVmm.Devices.Edu;
using MiniVmm.Devices.Pci;
using Serilog.Events;
using static MiniVmm.Devices.Edu.EduRegisters;

namespace Plugins.Tests.PciEdu;

/// <summary>QEMU's edu device (docs/specs/edu.rst) through the test kit: its function, its BAR, its registers, DMA.</summary>
public sealed class EduTests : IDisposable
{
    private const ulong Bar = 0xfe00_0000;
    private static readonly PciAddress Slot = new(0, 4, 0);

    private readonly DeviceHarness<EduDevice> _edu = DeviceHarness.Create<EduDevice>(
        new() { ["pciAddress"] = "00:04.0", ["dmaDelayUs"] = "100000" },
        new DeviceHarnessSettings { Irq = 11, MemorySize = 1 << 20 });

    public void Dispose() => _edu.Dispose();

    private IPciFunction Function => _edu.PciFunction(Slot);

    private void Command(ushort bits) => Function.WriteConfig(PciConfigRegister.Command, 2, bits);

    private void MapAt(ulong address, ushort command = PciCommand.MemorySpace | PciCommand.BusMaster)
    {
        Function.WriteConfig(PciConfigRegister.Bar0, 4, (uint)address);
        Command(command);
    }

    private uint Reg(ulong offset) => (uint)_edu.Buses.ReadMmio(Bar + offset, 4);

    private void SetReg(ulong offset, ulong value, int size = 4) => _edu.Buses.WriteMmio(Bar + offset, size, value);

    [Fact]
    public void Function_identifies_as_qemu_edu()
    {
        Assert.Equal(0x11e8_1234u, Function.ReadConfig(PciConfigRegister.VendorId, 4));
        Assert.Equal(0x00ff_0010u, Function.ReadConfig(PciConfigRegister.RevisionId, 4));
        Assert.Equal(1u, Function.ReadConfig(PciConfigRegister.InterruptPin, 1));
        Assert.Equal(0u, Function.ReadConfig(PciConfigRegister.HeaderType, 1));
    }

    [Fact]
    public void Bar0_sizes_as_1MiB_of_32_bit_memory()
    {
        Function.WriteConfig(PciConfigRegister.Bar0, 4, 0xffff_ffff);
        Assert.Equal(0xfff0_0000u, Function.ReadConfig(PciConfigRegister.Bar0, 4));
        Function.WriteConfig(PciConfigRegister.Bar0 + 4, 4, 0xffff_ffff);
        Assert.Equal(0u, Function.ReadConfig(PciConfigRegister.Bar0 + 4, 4));
    }

    [Fact]
    public void Bar0_decodes_only_once_memory_space_is_enabled()
    {
        Function.WriteConfig(PciConfigRegister.Bar0, 4, (uint)Bar);
        Assert.Empty(_edu.Buses.Mapped);
        Command(PciCommand.IoSpace);
        Assert.Empty(_edu.Buses.Mapped);

        Command(PciCommand.MemorySpace);

        Assert.Equal(["edu BAR0 MMIO 0xfe000000-0xfe0fffff"], _edu.Buses.Mapped);
        Assert.Equal(IdentificationValue, Reg(Identification));
    }

    [Fact]
    public void Moving_bar0_moves_the_registers_with_their_values()
    {
        MapAt(Bar);
        SetReg(Liveness, 0x1234_5678);

        Function.WriteConfig(PciConfigRegister.Bar0, 4, 0xfd00_0000);

        Assert.Equal(["edu BAR0 MMIO 0xfd000000-0xfd0fffff"], _edu.Buses.Mapped);
        Assert.Equal(0xffff_ffffu, Reg(Liveness)); // nothing at the old address
        Assert.Equal(0xedcb_a987UL, _edu.Buses.ReadMmio(0xfd00_0000 + Liveness, 4));
    }

    [Fact]
    public void Disabling_decode_or_sizing_unmaps_bar0()
    {
        MapAt(Bar);
        Command(0);
        Assert.Empty(_edu.Buses.Mapped);

        MapAt(Bar);
        Function.WriteConfig(PciConfigRegister.Bar0, 4, 0xffff_ffff); // sizing with decode on: 0xfff00000 ends at the top
        Assert.Empty(_edu.Buses.Mapped);
        Function.WriteConfig(PciConfigRegister.Bar0, 4, 0); // address 0 decodes nothing either
        Assert.Empty(_edu.Buses.Mapped);
    }

    [Fact]
    public void Liveness_register_reads_back_the_inverse()
    {
        MapAt(Bar);
        SetReg(Liveness, 0x1234_5678);
        Assert.Equal(0xedcb_a987u, Reg(Liveness));
    }

    [Theory]
    [InlineData(0u, 1u)]
    [InlineData(1u, 1u)]
    [InlineData(10u, 3_628_800u)]
    [InlineData(12u, 479_001_600u)]
    [InlineData(13u, 0x7328_cc00u)] // 6227020800 wraps at 32 bits, as QEMU's uint32_t does
    public void Factorial_register_computes_n_factorial(uint n, uint expected)
    {
        MapAt(Bar);
        SetReg(Factorial, n);
        Assert.Equal(0u, Reg(Status) & EduStatus.Computing);
        Assert.Equal(expected, Reg(Factorial));
    }

    [Fact]
    public void Factorial_raises_interrupt_1_when_status_asks_for_it()
    {
        MapAt(Bar);
        SetReg(Factorial, 3);
        Assert.False(_edu.Irq.Level);

        SetReg(Status, 0xff); // only bit 7 is writable
        Assert.Equal(EduStatus.InterruptOnFactorial, Reg(Status));
        SetReg(Factorial, 4);

        Assert.True(_edu.Irq.Level);
        Assert.Equal(FactorialInterrupt, Reg(InterruptStatus));
    }

    [Fact]
    public void Raise_ors_into_interrupt_status_and_acknowledge_clears_until_the_line_drops()
    {
        MapAt(Bar);
        SetReg(InterruptRaise, 0x5);
        SetReg(InterruptRaise, 0x10);
        Assert.Equal(0x15u, Reg(InterruptStatus));
        Assert.True(_edu.Irq.Level);

        SetReg(InterruptAcknowledge, 0x11);
        Assert.Equal(0x4u, Reg(InterruptStatus));
        Assert.True(_edu.Irq.Level);

        SetReg(InterruptAcknowledge, 0x4);
        Assert.False(_edu.Irq.Level);
        Assert.Equal(1, _edu.Irq.RisingEdges);
    }

    [Fact]
    public void Accesses_the_device_refuses_read_as_qemu_reads_them()
    {
        MapAt(Bar);
        SetReg(Liveness, 0x1);
        SetReg(Liveness, 0x77, size: 1); // dropped

        Assert.Equal(0xffff_fffeu, Reg(Liveness));
        Assert.Equal(0UL, _edu.Buses.ReadMmio(Bar + Identification, 1));
        Assert.Equal(0UL, _edu.Buses.ReadMmio(Bar + Identification, 2));
        Assert.Equal(ulong.MaxValue, _edu.Buses.ReadMmio(Bar + Identification, 8));
        Assert.Equal(0xffff_ffffu, Reg(0x0c));
        Assert.Equal(0xffff_ffffu, Reg(DmaSource + 4));
        Assert.Equal(0xffff_ffffu, Reg(DmaBufferStart)); // the DMA buffer is not behind the BAR
    }

    [Fact]
    public void Dma_registers_take_qwords()
    {
        MapAt(Bar);
        SetReg(DmaSource, 0x1_2345_6789, size: 8);
        Assert.Equal(0x1_2345_6789UL, _edu.Buses.ReadMmio(Bar + DmaSource, 8));
        Assert.Equal(0x2345_6789u, Reg(DmaSource));
        SetReg(DmaSource, 0x10); // a dword write replaces the whole register
        Assert.Equal(0x10UL, _edu.Buses.ReadMmio(Bar + DmaSource, 8));
    }

    [Fact]
    public void Dma_round_trip_takes_100ms_each_way_and_raises_0x100()
    {
        MapAt(Bar);
        "PCI DMA works!"u8.CopyTo(_edu.Memory.Bytes[0x2000..]);
        StartDma(0x2000, DmaBufferStart, 14, EduDmaCommand.Run);

        _edu.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(EduDmaCommand.Run, Reg(DmaCommand) & EduDmaCommand.Run);
        _edu.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0u, Reg(DmaCommand) & EduDmaCommand.Run);
        Assert.False(_edu.Irq.Level);

        StartDma(DmaBufferStart, 0x3000, 14, EduDmaCommand.Run | EduDmaCommand.ToRam | EduDmaCommand.Interrupt);
        _edu.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal("PCI DMA works!", System.Text.Encoding.ASCII.GetString(_edu.Memory.Bytes.Slice(0x3000, 14)));
        Assert.Equal(DmaInterrupt, Reg(InterruptStatus));
        Assert.True(_edu.Irq.Level);
    }

    [Fact]
    public void Dma_registers_ignore_writes_while_a_transfer_runs()
    {
        MapAt(Bar);
        StartDma(0x2000, DmaBufferStart, 8, EduDmaCommand.Run);
        SetReg(DmaSource, 0x5000);
        SetReg(DmaCount, 1);
        Assert.Equal(0x2000u, Reg(DmaSource));
        Assert.Equal(8u, Reg(DmaCount));
    }

    [Fact]
    public void Dma_outside_the_buffer_is_refused_and_logged()
    {
        MapAt(Bar);
        _edu.Memory.Bytes[0x3000] = 0xaa;
        StartDma(DmaBufferStart + 4090, 0x3000, 16, EduDmaCommand.Run | EduDmaCommand.ToRam);
        _edu.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(0xaa, _edu.Memory.Bytes[0x3000]);
        Assert.Equal(0u, Reg(DmaCommand) & EduDmaCommand.Run);
        Assert.Contains(_edu.Log.Messages(LogEventLevel.Warning), m => m.Contains("leaves the buffer"));
    }

    [Fact]
    public void Dma_needs_bus_mastering()
    {
        MapAt(Bar, PciCommand.MemorySpace);
        _edu.Memory.Bytes[0x3000] = 0xaa;
        StartDma(DmaBufferStart, 0x3000, 1, EduDmaCommand.Run | EduDmaCommand.ToRam);
        _edu.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(0xaa, _edu.Memory.Bytes[0x3000]);
        Assert.Contains(_edu.Log.Messages(LogEventLevel.Warning), m => m.Contains("bus mastering"));
    }

    [Fact]
    public void Dma_addresses_are_clamped_to_the_28_bit_mask()
    {
        MapAt(Bar);
        _edu.Memory.Bytes[0x2000] = 0x5a;
        StartDma(0x1000_2000, DmaBufferStart, 1, EduDmaCommand.Run); // bit 28 is dropped: RAM 0x2000
        _edu.Advance(TimeSpan.FromMilliseconds(100));
        StartDma(DmaBufferStart, 0x2001, 1, EduDmaCommand.Run | EduDmaCommand.ToRam);
        _edu.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(0x5a, _edu.Memory.Bytes[0x2001]);
    }

    [Fact]
    public void Reset_clears_the_registers_and_unmaps_bar0()
    {
        MapAt(Bar);
        SetReg(Liveness, 0);
        SetReg(InterruptRaise, 1);

        _edu.Device.Reset();

        Assert.Empty(_edu.Buses.Mapped);
        Assert.False(_edu.Irq.Level);
        Assert.Equal(0u, Function.ReadConfig(PciConfigRegister.Bar0, 4));
        Assert.Equal(0u, Function.ReadConfig(PciConfigRegister.Command, 2));
        MapAt(Bar);
        Assert.Equal(0u, Reg(Liveness));
    }

    [Fact]
    public void The_pci_host_of_the_same_machine_reaches_the_function()
    {
        _edu.AddDevice<PciHostDevice>("pci");
        _edu.Buses.Out(0xcf8 + PciHostPort.Address, 4, ConfigAddress.For(Slot, PciConfigRegister.VendorId));
        Assert.Equal(0x11e8_1234u, _edu.Buses.In(0xcf8 + PciHostPort.Data, 4));
    }

    [Theory]
    [InlineData(null, "needs the function's PCI address")]
    [InlineData("4", "is not a PCI address")]
    [InlineData("00:20.0", "is not a PCI address")]
    [InlineData("01:04.0", "only bus 00 exists")]
    public void Pci_address_option_is_checked(string? address, string message)
    {
        var error = Assert.Throws<DeviceConfigurationException>(() =>
            DeviceHarness.Create<EduDevice>(address == null ? [] : new() { ["pciAddress"] = address }));
        Assert.Equal("pciAddress", error.Option);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_taken_address_names_the_other_device()
    {
        var error = Assert.Throws<DeviceConfigurationException>(() => _edu.AddDevice<EduDevice>("edu2", new() { ["pciAddress"] = "00:04.0" }));
        Assert.Equal("pciAddress", error.Option);
        Assert.Contains("already taken by 'edu'", error.Message);
    }

    private void StartDma(ulong source, ulong destination, ulong count, ulong command)
    {
        SetReg(DmaSource, source);
        SetReg(DmaDestination, destination);
        SetReg(DmaCount, count);
        SetReg(DmaCommand, command);
    }
}
