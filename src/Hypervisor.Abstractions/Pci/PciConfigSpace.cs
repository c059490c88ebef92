using System.Buffers.Binary;

namespace Hypervisor.Abstractions.Pci;

/// <summary>
/// A function's 256-byte configuration space with the standard type 0 header: read-only identity
/// (vendor, device, class, revision, subsystem), the writable command, cache line, latency and
/// interrupt line registers, and up to six BARs with sizing (write all ones, read back the size
/// mask with the type bits). A BAR change that matters (address, or the command register's decode
/// enables) raises <see cref="BarChanged"/>, so the owner can move its I/O or MMIO region.
/// Device-specific registers beyond the header are set with <see cref="Set32"/> and opened to the
/// guest with <see cref="MakeWritable"/>. Thread-safe.
/// </summary>
public sealed class PciConfigSpace : IPciFunction
{
    public const int Size = 256;
    public const int BarCount = 6;

    private readonly object _lock = new();
    private readonly byte[] _bytes = new byte[Size];
    private readonly byte[] _writable = new byte[Size];
    private readonly PciBar?[] _bars = new PciBar?[BarCount];
    private readonly PciBarMapping?[] _mappings = new PciBarMapping?[BarCount];

    /// <param name="vendorId">The PCI vendor ID (0x1234 is QEMU's, used by its sample devices).</param>
    /// <param name="deviceId">The vendor's device ID.</param>
    /// <param name="classCode">Class, subclass and programming interface as 0xCCSSPP.</param>
    /// <param name="revision">The revision ID.</param>
    /// <param name="bars">The BARs by index (null for unimplemented ones; the slot after a 64-bit BAR must be null).</param>
    /// <param name="interruptPin">INTA# = 1 .. INTD# = 4, 0 for none.</param>
    /// <param name="subsystemVendorId">Subsystem vendor ID (0: none).</param>
    /// <param name="subsystemId">Subsystem ID (0: none).</param>
    public PciConfigSpace(ushort vendorId, ushort deviceId, uint classCode, byte revision = 0,
        IReadOnlyList<PciBar?>? bars = null, byte interruptPin = 0, ushort subsystemVendorId = 0, ushort subsystemId = 0)
    {
        Set16(PciConfigRegister.VendorId, vendorId);
        Set16(PciConfigRegister.DeviceId, deviceId);
        _bytes[PciConfigRegister.RevisionId] = revision;
        _bytes[PciConfigRegister.ClassCode] = (byte)classCode;
        _bytes[PciConfigRegister.ClassCode + 1] = (byte)(classCode >> 8);
        _bytes[PciConfigRegister.ClassCode + 2] = (byte)(classCode >> 16);
        Set16(PciConfigRegister.SubsystemVendorId, subsystemVendorId);
        Set16(PciConfigRegister.SubsystemId, subsystemId);
        _bytes[PciConfigRegister.InterruptPin] = interruptPin;
        MakeWritable(PciConfigRegister.Command, 2, PciCommand.Writable);
        MakeWritable(PciConfigRegister.CacheLineSize, 1, 0xff);
        MakeWritable(PciConfigRegister.LatencyTimer, 1, 0xff);
        MakeWritable(PciConfigRegister.InterruptLine, 1, 0xff);
        for (int i = 0; bars != null && i < bars.Count; i++)
        {
            if (bars[i] is not { } bar)
                continue;
            bar.Validate(i);
            if (i > 0 && _bars[i - 1]?.Kind == PciBarKind.Memory64)
                throw new ArgumentException($"BAR {i}: taken by the high half of 64-bit BAR {i - 1}");
            _bars[i] = bar;
            Set32(BarOffset(i), TypeBits(bar));
        }
        for (int i = 0; i < BarCount; i++)
            _mappings[i] = _bars[i] != null ? Mapping(i) : null;
    }

    /// <summary>Raised (outside the lock, on the thread of the configuration write) when a BAR's address or decode enable changes.</summary>
    public event Action<PciBarMapping>? BarChanged;

    /// <summary>Where each implemented BAR decodes now.</summary>
    public IReadOnlyList<PciBarMapping> Mappings
    {
        get
        {
            lock (_lock)
                return Enumerable.Range(0, BarCount).Where(i => _bars[i] != null).Select(Mapping).ToArray();
        }
    }

    /// <summary>Sets a 32-bit value the device owns (read-only to the guest unless made writable).</summary>
    public void Set32(int offset, uint value)
    {
        lock (_lock)
            BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(offset), value);
    }

    public void Set16(int offset, ushort value)
    {
        lock (_lock)
            BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan(offset), value);
    }

    /// <summary>Lets the guest write the bits of <paramref name="mask"/> in the <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    public void MakeWritable(int offset, int length, uint mask)
    {
        lock (_lock)
        {
            for (int i = 0; i < length; i++)
                _writable[offset + i] = (byte)(mask >> (8 * i));
        }
    }

    /// <summary>Raised after every guest write, with its offset and size (a capability whose bits mean something when written, e.g. MSI-X's function mask).</summary>
    public event Action<int, int>? ConfigWritten;

    public uint ReadConfig(int offset, int size)
    {
        CheckAccess(offset, size);
        lock (_lock)
        {
            uint value = 0;
            for (int i = 0; i < size; i++)
                value |= (uint)_bytes[offset + i] << (8 * i);
            return value;
        }
    }

    public void WriteConfig(int offset, int size, uint value)
    {
        CheckAccess(offset, size);
        var changed = new List<PciBarMapping>();
        lock (_lock)
        {
            for (int i = 0; i < size; i++)
            {
                int at = offset + i;
                byte b = (byte)(value >> (8 * i));
                if (at >= PciConfigRegister.Bar0 && at < BarOffset(BarCount))
                    _bytes[at] = b; // normalized below
                else
                    _bytes[at] = (byte)((_bytes[at] & ~_writable[at]) | (b & _writable[at]));
            }
            for (int bar = 0; bar < BarCount; bar++)
                NormalizeBar(bar);
            CollectBarChanges(changed);
        }
        foreach (var mapping in changed)
            BarChanged?.Invoke(mapping);
        ConfigWritten?.Invoke(offset, size);
    }

    /// <summary>
    /// The guest's side back to power-on (a machine reset): every guest-writable bit 0, so the
    /// command register decodes nothing, and every BAR address 0. Values the device set itself
    /// (<see cref="Set32"/>) stay; the device resets its own registers. Raises <see cref="BarChanged"/>
    /// for the BARs this changes.
    /// </summary>
    public void Reset()
    {
        var changed = new List<PciBarMapping>();
        lock (_lock)
        {
            for (int at = 0; at < Size; at++)
                _bytes[at] &= (byte)~_writable[at];
            for (int bar = 0; bar < BarCount; bar++)
            {
                Set32Unlocked(BarOffset(bar), 0);
                NormalizeBar(bar);
            }
            CollectBarChanges(changed);
        }
        foreach (var mapping in changed)
            BarChanged?.Invoke(mapping);
    }

    /// <summary>Writes the 256 bytes as the guest sees them (a device's snapshot state includes this).</summary>
    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
            writer.WriteBytes(_bytes);
    }

    /// <summary>
    /// Takes saved configuration bytes: the guest-writable bits and the BAR addresses come from the
    /// saved state, what the device set itself stays; raises <see cref="BarChanged"/> for the BARs
    /// this moves, so the device maps them where the saved machine had them.
    /// </summary>
    public void LoadState(IStateReader reader)
    {
        var saved = new byte[Size];
        reader.ReadBytes(saved);
        var changed = new List<PciBarMapping>();
        lock (_lock)
        {
            for (int at = 0; at < Size; at++)
            {
                bool bar = at >= PciConfigRegister.Bar0 && at < BarOffset(BarCount);
                _bytes[at] = bar ? saved[at] : (byte)((_bytes[at] & ~_writable[at]) | (saved[at] & _writable[at]));
            }
            for (int bar = 0; bar < BarCount; bar++)
                NormalizeBar(bar);
            CollectBarChanges(changed);
        }
        foreach (var mapping in changed)
            BarChanged?.Invoke(mapping);
    }

    // Caller holds _lock.
    private void CollectBarChanges(List<PciBarMapping> changed)
    {
        for (int bar = 0; bar < BarCount; bar++)
        {
            if (_bars[bar] == null)
                continue;
            var mapping = Mapping(bar);
            if (mapping != _mappings[bar])
            {
                _mappings[bar] = mapping;
                changed.Add(mapping);
            }
        }
    }

    /// <summary>Where BAR <paramref name="index"/> decodes now (an implemented BAR).</summary>
    public PciBarMapping MappingOf(int index)
    {
        lock (_lock)
        {
            if (index is < 0 or >= BarCount || _bars[index] == null)
                throw new ArgumentOutOfRangeException(nameof(index), index, "not an implemented BAR");
            return Mapping(index);
        }
    }

    private static int BarOffset(int index) => PciConfigRegister.Bar0 + 4 * index;

    private static uint TypeBits(PciBar bar) => bar.Kind switch
    {
        PciBarKind.Io => PciBarBits.Io,
        PciBarKind.Memory64 => PciBarBits.Memory64 | (bar.Prefetchable ? PciBarBits.Prefetchable : 0),
        _ => bar.Prefetchable ? PciBarBits.Prefetchable : 0,
    };

    private uint Get32(int offset) => BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(offset));

    // A BAR keeps only the address bits its size allows, under its read-only type bits; an
    // unimplemented BAR (or the high half of a 64-bit one, handled with its low half) reads 0.
    private void NormalizeBar(int index)
    {
        int offset = BarOffset(index);
        if (_bars[index] is { } bar)
        {
            uint flagsMask = bar.Kind == PciBarKind.Io ? PciBarBits.IoFlagsMask : PciBarBits.MemoryFlagsMask;
            uint lowMask = (uint)~(bar.Size - 1) & ~flagsMask;
            Set32Unlocked(offset, (Get32(offset) & lowMask) | TypeBits(bar));
            if (bar.Kind == PciBarKind.Memory64)
                Set32Unlocked(offset + 4, Get32(offset + 4) & (uint)(~(bar.Size - 1) >> 32));
        }
        else if (index == 0 || _bars[index - 1]?.Kind != PciBarKind.Memory64)
        {
            Set32Unlocked(offset, 0);
        }
    }

    private void Set32Unlocked(int offset, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(offset), value);

    private PciBarMapping Mapping(int index)
    {
        var bar = _bars[index]!;
        int offset = BarOffset(index);
        ulong address = bar.Kind == PciBarKind.Io
            ? Get32(offset) & ~PciBarBits.IoFlagsMask
            : Get32(offset) & ~PciBarBits.MemoryFlagsMask;
        if (bar.Kind == PciBarKind.Memory64)
            address |= (ulong)Get32(offset + 4) << 32;
        ushort command = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(PciConfigRegister.Command));
        bool enabled = (command & (bar.Kind == PciBarKind.Io ? PciCommand.IoSpace : PciCommand.MemorySpace)) != 0;
        return new PciBarMapping(index, bar.Kind, address, bar.Size, enabled);
    }

    private static void CheckAccess(int offset, int size)
    {
        if (size is not (1 or 2 or 4) || offset < 0 || offset + size > Size || (offset & 3) + size > 4)
            throw new ArgumentOutOfRangeException(nameof(offset), $"a configuration access of {size} bytes at 0x{offset:x} crosses a dword or leaves the 256-byte space");
    }
}
