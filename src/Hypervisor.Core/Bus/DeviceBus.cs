namespace Hypervisor.Core.Bus;

/// <summary>
/// What the port and MMIO buses share: registration (an overlap is a configuration error),
/// mapping (a later region covers what it shares with earlier ones, which reappear when it is
/// unmapped: QEMU's rule for BARs), unregistration, per-region statistics (including regions that
/// are gone) and the unclaimed-access count. A subclass keeps only its lookup structure, rebuilt
/// in <see cref="OnLayoutChanged"/>.
/// <para>
/// Threads: vCPU threads read the registrations and the lookup structure without a lock; changes
/// are serialized by a lock and publish new arrays with one reference write each.
/// </para>
/// </summary>
public abstract class DeviceBus<TDevice, TRegistration>
    where TRegistration : BusRegistration<TDevice>
{
    private readonly object _changeLock = new();
    // In mapping order (later on top); replaced, never changed in place.
    private TRegistration[] _registrations = [];
    private readonly Dictionary<string, UnmappedAccesses> _unmapped = [];
    private long _unclaimed;

    /// <summary>Accesses nothing decodes.</summary>
    public long UnclaimedAccesses => Interlocked.Read(ref _unclaimed);

    /// <summary>Called for each unclaimed access (port or address, size, isWrite), e.g. to log at debug level.</summary>
    public Action<ulong, int, bool>? UnclaimedAccess { get; set; }

    /// <summary>Every current claim, in the order they were made.</summary>
    public IReadOnlyList<TRegistration> Registrations => Volatile.Read(ref _registrations);

    /// <summary>
    /// Accesses to regions that are unmapped now, by name (a BAR remapped many times is one entry),
    /// with the range each had last: what <c>--stats</c> shows for them.
    /// </summary>
    public IReadOnlyDictionary<string, UnmappedAccesses> Unmapped
    {
        get
        {
            lock (_changeLock)
                return new Dictionary<string, UnmappedAccesses>(_unmapped);
        }
    }

    /// <summary>How this bus names its ranges in messages: <c>ports</c> or <c>MMIO</c>.</summary>
    protected abstract string Kind { get; }

    /// <summary>
    /// Claims the device's range for a machine-file entry. Throws <see cref="BusConflictException"/>
    /// naming both devices when it overlaps an earlier claim, or when the range does not fit.
    /// </summary>
    protected TRegistration Register(TRegistration registration)
    {
        lock (_changeLock)
        {
            foreach (var other in _registrations)
            {
                if (registration.Overlaps(other))
                    throw new BusConflictException(
                        $"device '{registration.Name}' ({Kind} {registration.Range}) overlaps device '{other.Name}' ({Kind} {other.Range}){ConflictDetail(registration, other)}");
            }
            Publish([.. _registrations, registration], registration, null);
        }
        return registration;
    }

    /// <summary>Maps a region that moves at run time, on top of any earlier claim it overlaps.</summary>
    protected TRegistration Map(TRegistration registration)
    {
        lock (_changeLock)
            Publish([.. _registrations, registration], registration, null);
        return registration;
    }

    /// <summary>Removes <paramref name="registration"/>, uncovering whatever it hid. Unregistering twice does nothing.</summary>
    public void Unregister(TRegistration registration)
    {
        lock (_changeLock)
        {
            if (Array.IndexOf(_registrations, registration) < 0)
                return;
            string name = registration.Name;
            long before = _unmapped.TryGetValue(name, out var earlier) ? earlier.Accesses : 0;
            _unmapped[name] = new UnmappedAccesses(before + registration.Accesses, $"{Kind.ToLowerInvariant()} {registration.Range}");
            Publish(_registrations.Where(r => r != registration).ToArray(), null, registration);
        }
    }

    /// <summary>
    /// Puts <paramref name="replacement"/> where <paramref name="old"/> is, same range and name, in one
    /// publication (a device plugin swapped while the vCPUs are parked); the access count carries over.
    /// </summary>
    protected TRegistration Replace(TRegistration old, TRegistration replacement)
    {
        lock (_changeLock)
        {
            int index = Array.IndexOf(_registrations, old);
            if (index < 0)
                throw new InvalidOperationException($"region '{old.Name}' is not on the {Kind} bus");
            if (replacement.Base != old.Base || replacement.Size != old.Size)
                throw new BusConflictException($"the new '{old.Name}' claims {Kind} {replacement.Range}, the old one {old.Range}");
            var next = (TRegistration[])_registrations.Clone();
            next[index] = replacement;
            replacement.Accesses = old.Accesses;
            Volatile.Write(ref _registrations, next);
            OnReplaced(next, old, replacement);
        }
        return replacement;
    }

    /// <summary>Points the lookup structure at <paramref name="replacement"/> wherever it pointed at <paramref name="old"/>. Runs under the change lock.</summary>
    protected abstract void OnReplaced(TRegistration[] registrations, TRegistration old, TRegistration replacement);

    /// <summary>Counts an access nothing decodes and reports it.</summary>
    protected void Unclaimed(ulong address, int size, bool write)
    {
        Interlocked.Increment(ref _unclaimed);
        UnclaimedAccess?.Invoke(address, size, write);
    }

    /// <summary>More words for a conflict message (the port where two claims meet).</summary>
    protected virtual string ConflictDetail(TRegistration registration, TRegistration other) => "";

    /// <summary>
    /// Rebuilds the lookup structure for <paramref name="registrations"/> (mapping order, later on top)
    /// after <paramref name="added"/> was added or <paramref name="removed"/> removed. Runs under the change lock.
    /// </summary>
    protected abstract void OnLayoutChanged(TRegistration[] registrations, TRegistration? added, TRegistration? removed);

    private void Publish(TRegistration[] registrations, TRegistration? added, TRegistration? removed)
    {
        Volatile.Write(ref _registrations, registrations);
        OnLayoutChanged(registrations, added, removed);
    }
}
