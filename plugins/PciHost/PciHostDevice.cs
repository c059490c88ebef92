using Hypervisor.Abstractions;
using Hypervisor.Abstractions.Pci;

namespace MiniVmm.Devices.Pci;

/// <summary>
/// Configuration mechanism #1 on ports 0xcf8-0xcff: CONFIG_ADDRESS (a dword at 0xcf8, with its
/// enable bit) selects a function's register and CONFIG_DATA (0xcfc-0xcff, byte, word or dword at
/// any offset inside the dword) reads or writes it. Functions come from the machine's
/// <see cref="PciBus"/>, where this device places the i440FX host bridge at 00:00.0 and other
/// plugins add theirs; absent functions read all ones. Byte accesses to 0xcf9 are the chipset's
/// reset control register, as on PIIX (0x06 hard reset, 0x0E full reset). The host bridge's PAM
/// registers switch the shadow RAM under the firmware ROM through <see cref="DeviceContext.MemoryMap"/>.
/// </summary>
[Device("pci-host", Port = 0xcf8, Description = "PCI configuration mechanism #1 (ports 0xcf8-0xcff) with an i440FX host bridge at 00:00.0; 0xcf9 reset control")]
[DeviceOption("resetControl", "answer byte accesses to 0xcf9 as the reset control register", Default = "true")]
public sealed class PciHostDevice : IPortDevice, IDeviceState
{
    private readonly object _lock = new();
    private readonly DeviceContext _context;
    private readonly PciBus _bus;
    private readonly bool _resetControl;
    private readonly PciConfigSpace _hostBridge = HostBridge.Create();
    private uint _address;
    private byte _resetControlValue;

    public PciHostDevice(DeviceContext context)
    {
        _context = context;
        _resetControl = context.Options.GetBoolean("resetControl", true);
        _bus = context.Pci;
        _bus.Add(HostBridge.Address, _hostBridge, context.Name);
        _bus.AttachHost(context.Name);
    }

    /// <summary>The machine's bus, for tests and diagnostics.</summary>
    public PciBus Bus => _bus;

    public int PortCount => PciHostPort.Count;

    public uint Read(ushort offset, int size)
    {
        uint allOnes = size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1;
        if (offset >= PciHostPort.Data)
            return ConfigRead(offset - PciHostPort.Data, Math.Min(size, PciHostPort.Count - offset)) & allOnes;
        lock (_lock)
        {
            if (offset == PciHostPort.Address && size == 4)
                return _address;
            if (offset == PciHostPort.ResetControl && size == 1 && _resetControl)
                return _resetControlValue;
        }
        // Anything but a dword at 0xcf8 is ordinary I/O that nothing here decodes.
        return allOnes;
    }

    public void Write(ushort offset, int size, uint value)
    {
        if (offset >= PciHostPort.Data)
        {
            ConfigWrite(offset - PciHostPort.Data, Math.Min(size, PciHostPort.Count - offset), value);
            return;
        }
        if (offset == PciHostPort.Address && size == 4)
        {
            lock (_lock)
                _address = value & ConfigAddress.Implemented;
        }
        else if (offset == PciHostPort.ResetControl && size == 1 && _resetControl)
        {
            WriteResetControl((byte)value);
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _address = 0;
            _resetControlValue = 0;
        }
        _hostBridge.Reset();
        PamRegisters.Apply(_hostBridge, _context.MemoryMap);
    }

    /// <summary>CONFIG_ADDRESS, 0xcf9 and the host bridge's configuration space, PAM registers included (state version 1).</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteUInt32(_address);
            writer.WriteByte(_resetControlValue);
        }
        _hostBridge.SaveState(writer);
    }

    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("pci-host", version, StateVersion);
        lock (_lock)
        {
            _address = reader.ReadUInt32();
            _resetControlValue = reader.ReadByte();
        }
        _hostBridge.LoadState(reader);
        PamRegisters.Apply(_hostBridge, _context.MemoryMap);
    }

    public void Dispose() => _bus.Remove(HostBridge.Address);

    private uint ConfigRead(int byteInDword, int size)
    {
        var (function, register) = Selected();
        if (function == null)
            return uint.MaxValue;
        return function.ReadConfig(register + byteInDword, size);
    }

    private void ConfigWrite(int byteInDword, int size, uint value)
    {
        var (function, register) = Selected();
        function?.WriteConfig(register + byteInDword, size, value);
        if (function == _hostBridge && PamRegisters.Touches(register + byteInDword, size))
            PamRegisters.Apply(_hostBridge, _context.MemoryMap);
    }

    private (IPciFunction? Function, int Register) Selected()
    {
        uint address;
        lock (_lock)
            address = _address;
        if ((address & ConfigAddress.Enable) == 0)
            return (null, 0);
        return (_bus.Find(ConfigAddress.Function(address)), (int)(address & ConfigAddress.RegisterMask));
    }

    // RST_CPU (bit 2) starts the reset; SRST and FULL_RST say which kind. RST_CPU reads back as 0.
    private void WriteResetControl(byte value)
    {
        lock (_lock)
            _resetControlValue = (byte)(value & ResetControlRegister.Writable);
        if ((value & ResetControlRegister.ResetCpu) == 0)
            return;
        string kind = (value & ResetControlRegister.FullReset) != 0 ? "full" : (value & ResetControlRegister.SystemReset) != 0 ? "hard" : "soft";
        _context.Logger.Information("Reset control register 0x{Value:x2}: {Kind} reset", value, kind);
        _context.Vm.RequestReset($"0xcf9 {kind} reset (0x{value:X2})");
    }
}
