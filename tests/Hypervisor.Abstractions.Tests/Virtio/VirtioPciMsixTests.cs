using Hypervisor.Abstractions.Pci;
using Hypervisor.Abstractions.Virtio;
using Hypervisor.Testing;
using Hypervisor.Testing.Virtio;
using static Hypervisor.Testing.Virtio.VirtioDriver;

namespace Hypervisor.Abstractions.Tests.Virtio;

/// <summary>
/// virtio-pci's MSI-X on a machine with an APIC: the capability, the table and pending bits in BAR 0,
/// a vector per queue and for configuration changes, messages on the APIC bus instead of INTx.
/// </summary>
public sealed class VirtioPciMsixTests : IDisposable
{
    private const ulong Bar = 0xfe00_0000;
    private static readonly PciAddress Slot = new(0, 5, 0);
    private readonly RecordingApicBus _apic = new();
    private readonly DeviceHarness<EchoPci> _harness;
    private readonly VirtioDriver _driver;
    private readonly VirtioPciDriverTransport _transport;
    private readonly int _capability;

    public VirtioPciMsixTests()
    {
        _harness = DeviceHarness.Create<EchoPci>(new() { ["pciAddress"] = "00:05.0" }, new DeviceHarnessSettings { Apic = _apic });
        _transport = new VirtioPciDriverTransport(_harness.Buses, Function, Bar);
        _driver = new VirtioDriver(_transport, _harness.Memory);
        for (int at = (int)Function.ReadConfig(PciConfigRegister.CapabilitiesPointer, 1); at != 0; at = (int)Function.ReadConfig(at + 1, 1))
        {
            if (Function.ReadConfig(at, 1) == MsixTable.CapabilityId)
                _capability = at;
        }
    }

    public void Dispose() => _harness.Dispose();

    private IPciFunction Function => _harness.PciFunction(Slot);

    private ulong TableEntry(int vector) => Bar + Function.ReadConfig(_capability + 4, 4) + (ulong)(vector * MsixTable.EntrySize);

    private void Program(int vector, byte apicVector, bool masked = false)
    {
        var (address, data) = MsiMessage.Encode(apicId: 0, apicVector);
        _harness.Buses.WriteMmio(TableEntry(vector), 4, (uint)address);
        _harness.Buses.WriteMmio(TableEntry(vector) + 4, 4, address >> 32);
        _harness.Buses.WriteMmio(TableEntry(vector) + 8, 4, data);
        _harness.Buses.WriteMmio(TableEntry(vector) + 12, 4, masked ? MsixTable.VectorMasked : 0);
    }

    private void SetControl(ushort bits) => Function.WriteConfig(_capability + 2, 2, bits);

    private void Echo()
    {
        ulong data = _driver.Allocate(2), answer = _driver.Allocate(2);
        _driver.Submit(0, Out(data, 2), In(answer, 2));
        Assert.True(_driver.TryTakeUsed(0, out _, out _));
    }

    [Fact]
    public void The_capability_offers_a_vector_per_queue_and_one_for_config_in_bar_0()
    {
        Assert.NotEqual(0, _capability);
        uint header = Function.ReadConfig(_capability, 4);
        Assert.Equal(1u, header >> 16 & 0x7ff); // table size - 1: one queue and the config vector
        Assert.Equal(0u, Function.ReadConfig(_capability + 4, 4) & 7);   // table in BAR 0
        Assert.Equal(0x4000u, Function.ReadConfig(_capability + 4, 4) & ~7u);
        Assert.Equal(0x5000u, Function.ReadConfig(_capability + 8, 4) & ~7u);
        Function.WriteConfig(PciConfigRegister.Bar0, 4, 0xffff_ffff);
        Assert.Equal(0xffff_8000u, Function.ReadConfig(PciConfigRegister.Bar0, 4) & ~0xfu); // 32 KiB
    }

    [Fact]
    public void With_msix_enabled_a_used_buffer_is_a_message_to_the_queues_vector_and_not_intx()
    {
        _driver.Start(queues: 1);
        Program(0, 0x41);
        Program(1, 0x42);
        SetControl(MsixTable.ControlEnable);
        Assert.Equal(0, _transport.SetConfigVector(0));
        Assert.Equal(1, _transport.SetQueueVector(0, 1));

        Echo();

        var message = Assert.Single(_apic.Messages);
        Assert.Equal(0x42, message.Vector);
        Assert.Equal(ApicDeliveryMode.Fixed, message.DeliveryMode);
        Assert.Equal(0, message.Destination);
        Assert.False(_harness.Irq.Level);
        Assert.Equal(0u, _harness.Device.Core.InterruptStatus);

        _harness.Device.Core.ConfigChanged();
        Assert.Equal(0x41, _apic.Messages[^1].Vector);
    }

    [Fact]
    public void A_masked_vector_is_pending_until_it_is_unmasked()
    {
        _driver.Start(queues: 1);
        Program(1, 0x42, masked: true);
        SetControl(MsixTable.ControlEnable);
        _transport.SetQueueVector(0, 1);

        Echo();

        Assert.Empty(_apic.Messages);
        ulong pba = Bar + (Function.ReadConfig(_capability + 8, 4) & ~7u);
        Assert.Equal(0b10UL, _harness.Buses.ReadMmio(pba, 8));
        _harness.Buses.WriteMmio(TableEntry(1) + 12, 4, 0);
        Assert.Equal(0x42, Assert.Single(_apic.Messages).Vector);
        Assert.Equal(0UL, _harness.Buses.ReadMmio(pba, 8));
    }

    [Fact]
    public void The_function_mask_holds_every_vector_and_clearing_it_sends_what_is_pending()
    {
        _driver.Start(queues: 1);
        Program(1, 0x42);
        SetControl(MsixTable.ControlEnable | MsixTable.ControlFunctionMask);
        _transport.SetQueueVector(0, 1);
        Echo();
        Assert.Empty(_apic.Messages);
        SetControl(MsixTable.ControlEnable);
        Assert.Equal(0x42, Assert.Single(_apic.Messages).Vector);
    }

    [Fact]
    public void Without_msix_enabled_the_device_uses_intx()
    {
        _driver.Start(queues: 1);
        Program(1, 0x42);
        _transport.SetQueueVector(0, 1);
        Echo();
        Assert.Empty(_apic.Messages);
        Assert.True(_harness.Irq.Level);
    }

    [Fact]
    public void A_vector_past_the_table_reads_back_no_vector_and_sends_nothing()
    {
        _driver.Start(queues: 1);
        SetControl(MsixTable.ControlEnable);
        Assert.Equal(VirtioPciCommonConfig.NoVector, _transport.SetQueueVector(0, 7));
        Echo();
        Assert.Empty(_apic.Messages);
        Assert.False(_harness.Irq.Level);
    }

    [Fact]
    public void The_table_and_vectors_survive_save_and_load()
    {
        _driver.Start(queues: 1);
        Program(1, 0x42);
        SetControl(MsixTable.ControlEnable);
        _transport.SetQueueVector(0, 1);
        var saved = new StateWriter();
        _harness.Device.SaveState(saved);
        _harness.Device.Reset();
        _harness.Device.LoadState(new StateReader(saved.ToArray()), _harness.Device.StateVersion);

        Echo();

        Assert.Equal(0x42, Assert.Single(_apic.Messages).Vector);
    }

    [Fact]
    public void Without_an_apic_there_is_no_msix_capability()
    {
        using var plain = DeviceHarness.Create<EchoPci>(new() { ["pciAddress"] = "00:05.0" });
        var function = plain.PciFunction(Slot);
        for (int at = (int)function.ReadConfig(PciConfigRegister.CapabilitiesPointer, 1); at != 0; at = (int)function.ReadConfig(at + 1, 1))
            Assert.NotEqual(MsixTable.CapabilityId, (byte)function.ReadConfig(at, 1));
    }

    [Theory]
    [InlineData(0xfee0_3000UL, 0x0000_4031u, 0x31, 3, false, ApicDeliveryMode.Fixed)]
    [InlineData(0xfee0_1004UL, 0x0000_8122u, 0x22, 1, true, ApicDeliveryMode.LowestPriority)]
    public void Msi_messages_decode_as_the_sdm_lays_them_out(ulong address, uint data, byte vector, byte destination, bool logical, ApicDeliveryMode mode)
    {
        Assert.True(MsiMessage.TryDecode(address, data, out var message));
        Assert.Equal(vector, message.Vector);
        Assert.Equal(destination, message.Destination);
        Assert.Equal(logical, message.LogicalDestination);
        Assert.Equal(mode, message.DeliveryMode);
        Assert.False(MsiMessage.TryDecode(0xfed0_0000, data, out _));
    }
}
