using Hypervisor.Abstractions;
using Hypervisor.Testing;
using MiniVmm.Devices.Keyboard;

namespace Plugins.Tests.I8042;

/// <summary>The 8042's commands, the reset line and the A20 gate, with port 0x92 and the 0xcf9 register.</summary>
public sealed class KeyboardControllerTests : IDisposable
{
    private readonly DeviceHarness<I8042Device> _kbc = DeviceHarness.Create<I8042Device>();
    private readonly IPortDevice _data;
    private readonly Port92 _port92;
    private readonly ResetControl _rcr;

    public KeyboardControllerTests()
    {
        _data = _kbc.PortWindow("data");
        _port92 = _kbc.AddDevice<Port92>("port92");
        _rcr = _kbc.AddDevice<ResetControl>("reset-control");
    }

    public void Dispose() => _kbc.Dispose();

    private A20Gate A20 => _kbc.A20;

    private byte Status => _kbc.In(0);

    private void Command(byte command) => _kbc.Out(0, command);

    private byte ReadData()
    {
        Assert.NotEqual(0, Status & KbcStatus.OutputFull);
        return _data.In(0);
    }

    [Fact]
    public void Self_test_answers_0x55_and_sets_the_system_flag()
    {
        Command(KbcCommand.SelfTest);

        Assert.Equal(KbcCommand.SelfTestPassed, ReadData());
        Assert.Equal(0, Status & KbcStatus.OutputFull);
        Assert.Equal(KbcStatus.SystemFlag, Status & KbcStatus.SystemFlag);
    }

    [Fact]
    public void Command_byte_reads_back_what_was_written()
    {
        Command(KbcCommand.WriteCommandByte);
        _data.Out(0, 0x47);

        Command(KbcCommand.ReadCommandByte);

        Assert.Equal(0x47, ReadData());
    }

    [Fact]
    public void Status_a2_bit_tells_which_port_was_written_last()
    {
        Command(KbcCommand.EnableKeyboard);
        Assert.Equal(KbcStatus.LastWriteWasCommand, Status & KbcStatus.LastWriteWasCommand);

        _data.Out(0, KeyboardCommand.Echo);
        Assert.Equal(0, Status & KbcStatus.LastWriteWasCommand);
    }

    [Fact]
    public void Output_buffer_raises_irq1_when_the_keyboard_interrupt_is_enabled()
    {
        Command(KbcCommand.SelfTest);
        Assert.True(_kbc.Irq.Level);

        ReadData();
        Assert.False(_kbc.Irq.Level);

        Command(KbcCommand.WriteCommandByte);
        _data.Out(0, 0x00); // interrupts off
        Command(KbcCommand.SelfTest);
        Assert.False(_kbc.Irq.Level);
    }

    [Fact]
    public void Keyboard_reset_answers_ack_then_self_test_passed_each_with_its_own_interrupt()
    {
        _data.Out(0, KeyboardCommand.Reset);

        Assert.Equal(KeyboardCommand.Ack, ReadData());
        Assert.Equal(KeyboardCommand.SelfTestPassed, ReadData());
        Assert.Equal(2, _kbc.Irq.RisingEdges);
    }

    [Fact]
    public void Keyboard_identifies_as_an_mf2_keyboard()
    {
        _data.Out(0, KeyboardCommand.Identify);

        Assert.Equal(KeyboardCommand.Ack, ReadData());
        Assert.Equal(KeyboardCommand.IdFirst, ReadData());
        Assert.Equal(KeyboardCommand.IdSecond, ReadData());
    }

    [Fact]
    public void Set_leds_acks_the_command_and_its_parameter()
    {
        _data.Out(0, KeyboardCommand.SetLeds);
        Assert.Equal(KeyboardCommand.Ack, ReadData());
        _data.Out(0, 0x07);
        Assert.Equal(KeyboardCommand.Ack, ReadData());
    }

    [Fact]
    public void Command_0xfe_pulses_the_reset_line()
    {
        Command(KbcCommand.PulseResetLine);

        Assert.Single(_kbc.Vm.ResetRequests);
        Assert.Contains("0xFE", _kbc.Vm.ResetRequests[0]);
    }

    [Fact]
    public void Pulse_commands_without_bit0_do_not_reset()
    {
        Command(0xff);

        Assert.Empty(_kbc.Vm.ResetRequests);
    }

    [Fact]
    public void Output_port_write_sets_a20_and_reset_when_bit0_is_low()
    {
        Command(KbcCommand.WriteOutputPort);
        _data.Out(0, KbcOutputPort.NotReset); // A20 off
        Assert.False(A20.Enabled);
        Assert.Empty(_kbc.Vm.ResetRequests);

        Command(KbcCommand.ReadOutputPort);
        Assert.Equal(0, ReadData() & KbcOutputPort.A20);

        Command(KbcCommand.WriteOutputPort);
        _data.Out(0, KbcOutputPort.A20);
        Assert.True(A20.Enabled);
        Assert.Single(_kbc.Vm.ResetRequests);
    }

    [Fact]
    public void A20_enable_and_disable_commands()
    {
        Command(KbcCommand.DisableA20);
        Assert.False(A20.Enabled);

        Command(KbcCommand.EnableA20);
        Assert.True(A20.Enabled);
    }

    [Fact]
    public void Port92_fast_a20_enables_the_gate_even_when_the_controller_disables_it()
    {
        Command(KbcCommand.DisableA20);

        _port92.Out(0, Port92Bits.FastA20);

        Assert.True(A20.Enabled);
        Assert.Equal(Port92Bits.FastA20, _port92.In(0));
        _port92.Out(0, 0);
        Assert.False(A20.Enabled);
    }

    [Fact]
    public void Port92_bit0_resets_and_reads_back_as_zero()
    {
        _port92.Out(0, Port92Bits.FastA20 | Port92Bits.FastReset);

        Assert.Single(_kbc.Vm.ResetRequests);
        Assert.Equal(Port92Bits.FastA20, _port92.In(0));
    }

    [Theory]
    [InlineData(0x06, "hard")]
    [InlineData(0x0e, "full")]
    [InlineData(0x04, "soft")]
    public void Reset_control_register_resets_on_rst_cpu(byte value, string kind)
    {
        _rcr.Out(0, value);

        Assert.Single(_kbc.Vm.ResetRequests);
        Assert.Contains(kind, _kbc.Vm.ResetRequests[0]);
    }

    [Fact]
    public void Reset_control_register_without_rst_cpu_only_stores_the_mode()
    {
        _rcr.Out(0, ResetControlBits.SystemReset);

        Assert.Empty(_kbc.Vm.ResetRequests);
        Assert.Equal(ResetControlBits.SystemReset, _rcr.In(0));
    }

    [Fact]
    public void Aux_interface_test_and_disable_aux()
    {
        Command(KbcCommand.TestAux);
        Assert.Equal(KbcCommand.InterfaceOk, ReadData());

        Command(KbcCommand.DisableAux);
        Command(KbcCommand.ReadCommandByte);
        Assert.Equal(KbcCommandByte.AuxDisabled, ReadData() & KbcCommandByte.AuxDisabled);
    }

    [Fact]
    public void Reset_empties_the_buffer_and_restores_the_command_byte()
    {
        Command(KbcCommand.SelfTest);
        Command(KbcCommand.DisableA20);

        _kbc.Device.Reset();

        Assert.Equal(0, Status & KbcStatus.OutputFull);
        Assert.True(A20.Enabled);
        Command(KbcCommand.ReadCommandByte);
        Assert.Equal(KbcCommandByte.PowerOn, ReadData());
    }

    [Fact]
    public void One_i8042_entry_brings_status_at_0x64_and_data_at_0x60()
    {
        _kbc.Buses.Out(0x64, 1, KbcCommand.SelfTest);

        Assert.Equal(KbcStatus.OutputFull, _kbc.Buses.In(0x64) & KbcStatus.OutputFull);
        Assert.Equal(KbcCommand.SelfTestPassed, _kbc.Buses.In(0x60));
        Assert.Equal(1, _kbc.Irq.Number);
    }
}
