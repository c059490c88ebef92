using Hypervisor.Abstractions;

namespace Hypervisor.Core.Bus;

/// <summary>
/// Memory-mapped I/O: sorted, non-overlapping address spans found by binary search, with the
/// last hit cached (a guest tends to hammer one device). Unclaimed accesses read all ones and
/// drop writes, as on a PC.
/// <para>
/// <see cref="Register"/> is for the machine file's entries (an overlap is a configuration error);
/// <see cref="Map"/> for regions a guest moves at run time (PCI memory BARs), on top of earlier
/// claims. The bookkeeping is <see cref="DeviceBus{TDevice, TRegistration}"/>'s; this class keeps
/// the lookup: the registrations flattened into spans — the parts of each region that are on top —
/// so dispatch is one binary search whatever overlaps.
/// </para>
/// <para>
/// Threads: vCPU threads read the current <see cref="View"/> (spans plus its last-hit cache)
/// without a lock. A change (serialized by a lock) builds a new view and publishes it with one
/// reference write, so an access sees the old layout or the new one, never a mixture. The cache
/// lives in the view: a vCPU that was still searching the old view can only refresh the old
/// view's cache, never point the new one at an unmapped region.
/// </para>
/// </summary>
public sealed class MmioBus : DeviceBus<IMmioDevice, MmioRegistration>
{
    private View _view = new([]);

    protected override string Kind => "MMIO";

    /// <summary>Claims [<paramref name="baseAddress"/>, base + device.MmioSize); throws <see cref="BusConflictException"/> on overlap.</summary>
    public MmioRegistration Register(ulong baseAddress, IMmioDevice device, string name) => Register(Create(baseAddress, device, name));

    /// <summary>
    /// Maps a region that moves at run time, on top of any earlier claim it overlaps. Throws
    /// <see cref="BusConflictException"/> only for an empty or wrapping range.
    /// </summary>
    public MmioRegistration Map(ulong baseAddress, IMmioDevice device, string name) => Map(Create(baseAddress, device, name));

    /// <summary>The registration decoding <paramref name="address"/>, or null.</summary>
    public MmioRegistration? Find(ulong address)
    {
        var view = Volatile.Read(ref _view);
        var last = view.LastHit;
        if (last != null && address >= last.Base && address < last.End)
            return last.Owner;
        var spans = view.Spans;
        int lo = 0, hi = spans.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var span = spans[mid];
            if (address < span.Base)
                hi = mid - 1;
            else if (address >= span.End)
                lo = mid + 1;
            else
            {
                view.LastHit = span;
                return span.Owner;
            }
        }
        return null;
    }

    public ulong Read(ulong address, int size)
    {
        var owner = Find(address);
        if (owner == null)
        {
            Unclaimed(address, size, write: false);
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
            Unclaimed(address, size, write: true);
            return;
        }
        owner.Accesses++;
        owner.Device.Write(address - owner.Base, size, value);
    }

    protected override void OnLayoutChanged(MmioRegistration[] registrations, MmioRegistration? added, MmioRegistration? removed)
        => Volatile.Write(ref _view, new View(Flatten(registrations)));

    /// <summary>Gives <paramref name="old"/>'s range to <paramref name="device"/> (a swapped device plugin); it must be as large.</summary>
    public MmioRegistration Replace(MmioRegistration old, IMmioDevice device) => Replace(old, Create(old.Base, device, old.Name));

    protected override void OnReplaced(MmioRegistration[] registrations, MmioRegistration old, MmioRegistration replacement)
        => Volatile.Write(ref _view, new View(Flatten(registrations)));

    private static MmioRegistration Create(ulong baseAddress, IMmioDevice device, string name)
    {
        ulong size = device.MmioSize;
        if (size == 0 || baseAddress + size <= baseAddress)
            throw new BusConflictException($"device '{name}' at 0x{baseAddress:x} has an empty or wrapping MMIO range (size 0x{size:x})");
        return new MmioRegistration(name, baseAddress, size, device);
    }

    /// <summary>
    /// The visible part of each registration as sorted, disjoint spans: between two consecutive
    /// region edges the newest registration covering that stretch owns it. Quadratic in the
    /// number of regions, which is tens, and only run when the layout changes.
    /// </summary>
    private static MmioSpan[] Flatten(MmioRegistration[] registrations)
    {
        var edges = registrations.SelectMany(r => new[] { r.Base, r.End }).Distinct().Order().ToArray();
        var spans = new List<MmioSpan>();
        for (int i = 0; i + 1 < edges.Length; i++)
        {
            ulong start = edges[i], end = edges[i + 1];
            var owner = Array.FindLast(registrations, r => r.Base <= start && start < r.End);
            if (owner == null)
                continue;
            if (spans.Count > 0 && spans[^1].Owner == owner && spans[^1].End == start)
                spans[^1] = new MmioSpan(spans[^1].Base, end, owner);
            else
                spans.Add(new MmioSpan(start, end, owner));
        }
        return [.. spans];
    }

    /// <summary>One published layout; <see cref="LastHit"/> is written by vCPU threads without a lock (any span of this view is a right answer).</summary>
    private sealed class View(MmioSpan[] spans)
    {
        public readonly MmioSpan[] Spans = spans;
        public MmioSpan? LastHit;
    }

    /// <summary>[Base, End) decoded by <see cref="Owner"/>; offsets stay relative to the owner's base.</summary>
    private sealed record MmioSpan(ulong Base, ulong End, MmioRegistration Owner);
}

/// <summary>One device's MMIO window.</summary>
public sealed class MmioRegistration(string name, ulong baseAddress, ulong size, IMmioDevice device)
    : BusRegistration<IMmioDevice>(name, baseAddress, size, device);
