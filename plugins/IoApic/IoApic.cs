using Hypervisor.Abstractions;

namespace MiniVmm.Devices.IoApic;

/// <summary>
/// The I/O APIC (82093AA) at 0xFEC00000: 24 input pins, each with a redirection entry that turns the
/// pin into a message on the APIC bus. Pins are the machine's interrupt lines, the same the 8259s
/// see, except that ISA IRQ 0 (the PIT) drives pin 2, as on QEMU's PC and as the MADT's interrupt
/// source override tells the guest. Edge-triggered pins send on a rising edge while unmasked;
/// level-triggered pins send while asserted and set remote IRR until the local APIC's EOI broadcast
/// (or a write to the EOI register) clears it, and send again if the pin is still asserted. As in
/// QEMU the polarity bit is stored but the lines arrive as asserted/deasserted levels.
/// </summary>
[Device("ioapic", Mmio = 0xFEC00000, Description = "I/O APIC (82093AA): 24 pins on the machine's interrupt lines (ISA IRQ 0 on pin 2); needs \"apic\": true")]
[DeviceOption("id", "the I/O APIC's ID (the MADT names it; it must differ from every local APIC ID)", Default = "0")]
public sealed class IoApic : IMmioDevice, IIoApic, IDeviceState
{
    public const int PinCount = 24;
    /// <summary>Version 0x20 (with the EOI register) and the highest entry index in bits 16-23.</summary>
    public const uint VersionValue = ((PinCount - 1) << 16) | 0x20;

    private readonly object _sync = new();
    private readonly IApicBus _bus;
    private readonly byte _resetId;
    private readonly ulong[] _entries = new ulong[PinCount];
    private readonly bool[] _levels = new bool[PinCount];
    private uint _id;
    private uint _select;

    public IoApic(DeviceContext context)
    {
        _bus = context.Apic ?? throw new DeviceConfigurationException("",
            "the I/O APIC sends to local APICs, and this machine has none: add \"apic\": true to the machine file");
        ulong id = context.Options.GetUInt64("id", 0);
        if (id > 15)
            throw new DeviceConfigurationException("id", $"{id}: an I/O APIC ID has 4 bits (0-15)");
        _resetId = (byte)id;
        _bus.EndOfInterrupt += EndOfInterrupt;
        Reset();
    }

    public ulong MmioSize => IoApicWindow.Size;

    public byte IoApicId => _resetId;

    /// <summary>The PIT's ISA IRQ 0 arrives on pin 2 (<see cref="SetInput"/>).</summary>
    public IReadOnlyDictionary<int, int> IsaOverrides { get; } = new Dictionary<int, int> { [0] = 2 };

    /// <summary>Redirection entry <paramref name="pin"/> (for tests and the state record).</summary>
    public ulong Entry(int pin)
    {
        lock (_sync)
            return _entries[pin];
    }

    /// <summary>Power-on: every entry masked, edge-triggered, vector 0.</summary>
    public void Reset()
    {
        lock (_sync)
        {
            _id = (uint)_resetId << 24;
            _select = 0;
            Array.Fill(_entries, RedirectionBits.Masked);
        }
    }

    public ulong Read(ulong offset, int size)
    {
        uint value;
        lock (_sync)
        {
            value = offset switch
            {
                IoApicWindow.RegisterSelect => _select,
                IoApicWindow.Data => ReadRegister(_select),
                _ => 0,
            };
        }
        return size >= 4 ? value : value & ((1u << (8 * size)) - 1);
    }

    public void Write(ulong offset, int size, ulong value)
    {
        var messages = new List<ApicMessage>(1);
        lock (_sync)
        {
            switch (offset)
            {
                case IoApicWindow.RegisterSelect:
                    _select = (uint)value & 0xFF;
                    break;
                case IoApicWindow.Data:
                    WriteRegister(_select, (uint)value, messages);
                    break;
                case IoApicWindow.Eoi:
                    ClearRemoteIrr((byte)value, messages);
                    break;
            }
        }
        SendAll(messages);
    }

    /// <summary>ISA IRQ 0 is wired to pin 2; every other line to the pin of its number.</summary>
    public void SetInput(int line, bool level)
    {
        int pin = line == 0 ? 2 : line;
        if (pin >= PinCount)
            return;
        var messages = new List<ApicMessage>(1);
        lock (_sync)
        {
            bool rising = level && !_levels[pin];
            _levels[pin] = level;
            ulong entry = _entries[pin];
            if ((entry & RedirectionBits.LevelTriggered) != 0)
            {
                if (level)
                    Service(pin, messages);
            }
            else if (rising)
                Service(pin, messages); // edges on a masked pin are lost (82093AA 3.2.4)
        }
        SendAll(messages);
    }

    private uint ReadRegister(uint index)
    {
        switch (index)
        {
            case IoApicRegister.Id: return _id;
            case IoApicRegister.Version: return VersionValue;
            case IoApicRegister.Arbitration: return _id;
        }
        if (RedirectionIndex(index) is not { } pin)
            return 0;
        ulong entry = _entries[pin];
        return (index & 1) == 0 ? (uint)entry : (uint)(entry >> 32);
    }

    private void WriteRegister(uint index, uint value, List<ApicMessage> messages)
    {
        if (index == IoApicRegister.Id)
        {
            _id = value & 0x0F00_0000;
            return;
        }
        if (RedirectionIndex(index) is not { } pin)
            return;
        ulong entry = _entries[pin];
        ulong kept = entry & ~RedirectionBits.Writable;
        ulong written = (index & 1) == 0
            ? (entry & 0xFFFF_FFFF_0000_0000) | value
            : (entry & 0xFFFF_FFFF) | ((ulong)value << 32);
        entry = (written & RedirectionBits.Writable) | kept;
        if ((entry & RedirectionBits.LevelTriggered) == 0)
            entry &= ~RedirectionBits.RemoteIrr; // remote IRR is undefined for edge entries; keep it clear
        _entries[pin] = entry;
        // Unmasking a level-triggered pin that is asserted sends at once.
        if ((entry & RedirectionBits.LevelTriggered) != 0 && _levels[pin])
            Service(pin, messages);
    }

    private static int? RedirectionIndex(uint index) =>
        index >= IoApicRegister.RedirectionTable && index < IoApicRegister.RedirectionTable + 2 * PinCount
            ? (int)(index - IoApicRegister.RedirectionTable) / 2
            : null;

    /// <summary>Queues the pin's message unless it is masked or (level) still waiting for its EOI; the lock is held.</summary>
    private void Service(int pin, List<ApicMessage> messages)
    {
        ulong entry = _entries[pin];
        if ((entry & RedirectionBits.Masked) != 0)
            return;
        bool level = (entry & RedirectionBits.LevelTriggered) != 0;
        if (level)
        {
            if ((entry & RedirectionBits.RemoteIrr) != 0)
                return;
            _entries[pin] = entry | RedirectionBits.RemoteIrr;
        }
        messages.Add(new ApicMessage(
            Vector: (byte)(entry & RedirectionBits.VectorMask),
            DeliveryMode: (ApicDeliveryMode)((entry >> RedirectionBits.DeliveryModeShift) & 7),
            Destination: (byte)(entry >> RedirectionBits.DestinationShift),
            LogicalDestination: (entry & RedirectionBits.LogicalDestination) != 0,
            LevelTriggered: level));
    }

    /// <summary>A local APIC's EOI for a level-triggered vector: the entries with that vector may send again.</summary>
    private void EndOfInterrupt(byte vector)
    {
        var messages = new List<ApicMessage>(1);
        lock (_sync)
            ClearRemoteIrr(vector, messages);
        SendAll(messages);
    }

    private void ClearRemoteIrr(byte vector, List<ApicMessage> messages)
    {
        for (int pin = 0; pin < PinCount; pin++)
        {
            ulong entry = _entries[pin];
            if ((entry & RedirectionBits.RemoteIrr) == 0 || (byte)(entry & RedirectionBits.VectorMask) != vector)
                continue;
            _entries[pin] = entry & ~RedirectionBits.RemoteIrr;
            if (_levels[pin])
                Service(pin, messages);
        }
    }

    /// <summary>Messages go out after the lock is released: a local APIC may answer on this thread (EOI, another pin).</summary>
    private void SendAll(List<ApicMessage> messages)
    {
        foreach (var message in messages)
            _bus.Send(message);
    }

    /// <summary>ID, register select, every redirection entry (remote IRR included) and every pin's level.</summary>
    public int StateVersion => 1;

    public void SaveState(IStateWriter writer)
    {
        lock (_sync)
        {
            writer.WriteUInt32(_id);
            writer.WriteUInt32(_select);
            foreach (ulong entry in _entries)
                writer.WriteUInt64(entry);
            foreach (bool level in _levels)
                writer.WriteBool(level);
        }
    }

    /// <summary>Nothing is sent: what the saved I/O APIC had sent is in the local APICs' saved state.</summary>
    public void LoadState(IStateReader reader, int version)
    {
        StateFormatException.ThrowIfNotVersion("ioapic", version, StateVersion);
        lock (_sync)
        {
            _id = reader.ReadUInt32() & 0x0F00_0000;
            _select = reader.ReadUInt32() & 0xFF;
            for (int pin = 0; pin < PinCount; pin++)
                _entries[pin] = reader.ReadUInt64();
            for (int pin = 0; pin < PinCount; pin++)
                _levels[pin] = reader.ReadBool();
        }
    }

    public void Dispose() => _bus.EndOfInterrupt -= EndOfInterrupt;
}
