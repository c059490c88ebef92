using Hypervisor.Abstractions;

namespace Hypervisor.Core.Bus;

/// <summary>
/// Memory-mapped I/O: sorted, non-overlapping address ranges found by binary search, with the
/// last hit cached (a guest tends to hammer one device). Unclaimed accesses read all ones and
/// drop writes, as on a PC.
/// </summary>
public sealed class MmioBus
{
    private MmioRegistration[] _ranges = [];
    private MmioRegistration? _lastHit;

    public long UnclaimedAccesses { get; private set; }

    /// <summary>Called for each unclaimed access (address, size, isWrite).</summary>
    public Action<ulong, int, bool>? UnclaimedAccess { get; set; }

    public IReadOnlyList<MmioRegistration> Registrations => _ranges;

    /// <summary>Claims [<paramref name="baseAddress"/>, base + device.MmioSize); throws <see cref="BusConflictException"/> on overlap.</summary>
    public MmioRegistration Register(ulong baseAddress, IMmioDevice device, string name)
    {
        ulong size = device.MmioSize;
        if (size == 0 || baseAddress + size < baseAddress)
            throw new BusConflictException($"device '{name}' at 0x{baseAddress:x} has an empty or wrapping MMIO range (size 0x{size:x})");
        var registration = new MmioRegistration(name, baseAddress, size, device);
        foreach (var other in _ranges)
        {
            if (baseAddress < other.End && other.Base < registration.End)
                throw new BusConflictException(
                    $"device '{name}' (MMIO {registration.Range}) overlaps device '{other.Name}' (MMIO {other.Range})");
        }
        _ranges = [.. _ranges.Append(registration).OrderBy(r => r.Base)];
        return registration;
    }

    /// <summary>The registration covering <paramref name="address"/>, or null.</summary>
    public MmioRegistration? Find(ulong address)
    {
        var last = _lastHit;
        if (last != null && address >= last.Base && address < last.End)
            return last;
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = _ranges[mid];
            if (address < r.Base)
                hi = mid - 1;
            else if (address >= r.End)
                lo = mid + 1;
            else
                return _lastHit = r;
        }
        return null;
    }

    public ulong Read(ulong address, int size)
    {
        var owner = Find(address);
        if (owner == null)
        {
            UnclaimedAccesses++;
            UnclaimedAccess?.Invoke(address, size, false);
            return size >= 8 ? ulong.MaxValue : (1UL << (size * 8)) - 1;
        }
        owner.Accesses++;
        return owner.Device.Read(address - owner.Base, size);
    }

    public void Write(ulong address, int size, ulong value)
    {
        var owner = Find(address);
        if (owner == null)
        {
            UnclaimedAccesses++;
            UnclaimedAccess?.Invoke(address, size, true);
            return;
        }
        owner.Accesses++;
        owner.Device.Write(address - owner.Base, size, value);
    }
}

/// <summary>One device's MMIO window, with its access count for <c>--stats</c>.</summary>
public sealed class MmioRegistration(string name, ulong baseAddress, ulong size, IMmioDevice device)
{
    public string Name { get; } = name;
    public ulong Base { get; } = baseAddress;
    public ulong Size { get; } = size;
    public ulong End => Base + Size;
    public IMmioDevice Device { get; } = device;
    public long Accesses { get; internal set; }
    public string Range => $"0x{Base:x}-0x{End - 1:x}";
}
