namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// A PCI function's MSI-X (PCI 3.0, 6.8.2): the capability in configuration space (enable and
/// function-mask bits the guest writes), the table of message address, data and mask per vector,
/// and the pending bits, both in one of the function's BARs. <see cref="Signal"/> sends a vector's
/// message to the machine's APIC bus, or marks it pending while it is masked; unmasking sends what is
/// pending. Thread-safe (devices signal from their own threads).
/// </summary>
public sealed class MsixTable
{
    public const byte CapabilityId = 0x11;
    public const int CapabilityLength = 12;
    public const int EntrySize = 16;
    public const ushort ControlEnable = 0x8000;
    public const ushort ControlFunctionMask = 0x4000;
    /// <summary>Bit 0 of an entry's vector control: masked (the power-on value).</summary>
    public const uint VectorMasked = 1;
    // Dwords of an entry: address low, address high, data, vector control.
    private const int AddressLow = 0, AddressHigh = 1, Data = 2, Control = 3;

    private readonly object _lock = new();
    private readonly PciConfigSpace _config;
    private readonly int _capability;
    private readonly IApicBus _apic;
    private readonly uint[] _entries;
    private readonly ulong[] _pending;

    /// <param name="config">The function's configuration space; the capability is written at <paramref name="capability"/>.</param>
    /// <param name="capability">Where the capability sits (its 12 bytes).</param>
    /// <param name="next">The next capability's offset, or 0.</param>
    /// <param name="vectors">Table entries (1-2048).</param>
    /// <param name="bar">The BAR the table and pending bits are in.</param>
    /// <param name="tableOffset">The table's offset in the BAR (8-byte aligned).</param>
    /// <param name="pbaOffset">The pending bits' offset in the BAR (8-byte aligned).</param>
    /// <param name="apic">Where messages go.</param>
    public MsixTable(PciConfigSpace config, int capability, int next, int vectors, int bar, uint tableOffset, uint pbaOffset, IApicBus apic)
    {
        if (vectors is < 1 or > 2048)
            throw new ArgumentOutOfRangeException(nameof(vectors), vectors, "MSI-X has 1-2048 vectors");
        _config = config;
        _capability = capability;
        _apic = apic;
        Vectors = vectors;
        _entries = new uint[vectors * 4];
        _pending = new ulong[(vectors + 63) / 64];
        config.Set32(capability, CapabilityId | (uint)next << 8 | (uint)(vectors - 1) << 16);
        config.Set32(capability + 4, tableOffset | (uint)bar);
        config.Set32(capability + 8, pbaOffset | (uint)bar);
        config.MakeWritable(capability + 2, 2, ControlEnable | ControlFunctionMask);
        config.ConfigWritten += (offset, size) =>
        {
            if (offset < capability + 4 && offset + size > capability + 2)
                SendPending(); // the function mask may have dropped
        };
        Reset();
    }

    public int Vectors { get; }

    /// <summary>Bytes of the table in the BAR.</summary>
    public int TableBytes => Vectors * EntrySize;

    /// <summary>Bytes of the pending bits in the BAR (whole qwords).</summary>
    public int PendingBytes => _pending.Length * 8;

    /// <summary>The guest enabled MSI-X: the function's INTx pin is not used.</summary>
    public bool Enabled => (Control16 & ControlEnable) != 0;

    private ushort Control16 => (ushort)_config.ReadConfig(_capability + 2, 2);

    /// <summary>
    /// Sends <paramref name="vector"/>'s message, or marks it pending when it or the function is
    /// masked. Returns false when MSI-X is disabled (the caller uses INTx); a vector past the table
    /// (virtio's NO_VECTOR) is dropped and returns true.
    /// </summary>
    public bool Signal(int vector)
    {
        ushort control = Control16;
        if ((control & ControlEnable) == 0)
            return false;
        if (vector < 0 || vector >= Vectors)
            return true;
        ApicMessage message;
        lock (_lock)
        {
            if ((control & ControlFunctionMask) != 0 || (_entries[vector * 4 + Control] & VectorMasked) != 0
                || !TryMessage(vector, out message))
            {
                _pending[vector / 64] |= 1UL << (vector % 64);
                return true;
            }
        }
        _apic.Send(message);
        return true;
    }

    /// <summary>A guest read of the table (4 or 8 bytes at <paramref name="offset"/> into it).</summary>
    public ulong ReadTable(ulong offset, int size)
    {
        if (!Aligned(offset, size, TableBytes))
            return 0;
        lock (_lock)
        {
            int dword = (int)(offset / 4);
            ulong value = _entries[dword];
            if (size == 8)
                value |= (ulong)_entries[dword + 1] << 32;
            return value;
        }
    }

    /// <summary>A guest write of the table; unmasking an entry sends its pending message.</summary>
    public void WriteTable(ulong offset, int size, ulong value)
    {
        if (!Aligned(offset, size, TableBytes))
            return;
        lock (_lock)
        {
            int dword = (int)(offset / 4);
            for (int i = 0; i < size / 4; i++, value >>= 32)
                _entries[dword + i] = (dword + i) % 4 == Control ? (uint)value & VectorMasked : (uint)value;
        }
        SendPending();
    }

    /// <summary>A guest read of the pending bits (read-only).</summary>
    public ulong ReadPending(ulong offset, int size)
    {
        if (!Aligned(offset, size, PendingBytes))
            return 0;
        lock (_lock)
        {
            ulong qword = _pending[offset / 8];
            return size == 8 ? qword : (uint)(qword >> (int)(offset % 8 * 8));
        }
    }

    /// <summary>Power-on: every entry masked and zero, nothing pending (the enable bits are configuration space's).</summary>
    public void Reset()
    {
        lock (_lock)
        {
            Array.Clear(_entries);
            Array.Clear(_pending);
            for (int v = 0; v < Vectors; v++)
                _entries[v * 4 + Control] = VectorMasked;
        }
    }

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
        {
            writer.WriteInt32(Vectors);
            foreach (uint dword in _entries)
                writer.WriteUInt32(dword);
            foreach (ulong bits in _pending)
                writer.WriteUInt64(bits);
        }
    }

    public void LoadState(IStateReader reader)
    {
        int vectors = reader.ReadInt32();
        if (vectors != Vectors)
            throw new StateFormatException($"MSI-X: saved with {vectors} vectors, this device has {Vectors}");
        lock (_lock)
        {
            for (int i = 0; i < _entries.Length; i++)
                _entries[i] = reader.ReadUInt32();
            for (int i = 0; i < _pending.Length; i++)
                _pending[i] = reader.ReadUInt64();
        }
    }

    private static bool Aligned(ulong offset, int size, int length) =>
        size is 4 or 8 && offset % (ulong)size == 0 && offset + (ulong)size <= (ulong)length;

    // Caller holds _lock.
    private bool TryMessage(int vector, out ApicMessage message)
    {
        int at = vector * 4;
        ulong address = _entries[at + AddressLow] | (ulong)_entries[at + AddressHigh] << 32;
        return MsiMessage.TryDecode(address, _entries[at + Data], out message);
    }

    private void SendPending()
    {
        ushort control = Control16;
        if ((control & (ControlEnable | ControlFunctionMask)) != ControlEnable)
            return;
        var messages = new List<ApicMessage>();
        lock (_lock)
        {
            for (int v = 0; v < Vectors; v++)
            {
                if ((_pending[v / 64] & (1UL << (v % 64))) == 0 || (_entries[v * 4 + Control] & VectorMasked) != 0
                    || !TryMessage(v, out var message))
                    continue;
                _pending[v / 64] &= ~(1UL << (v % 64));
                messages.Add(message);
            }
        }
        foreach (var message in messages)
            _apic.Send(message);
    }
}
