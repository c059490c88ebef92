namespace Hypervisor.Abstractions;

/// <summary>
/// A device whose guest-visible state can be saved and loaded: what a snapshot
/// (<c>minivmm snapshot</c>, the monitor's <c>snapshot FILE</c>) stores for it, and what hands the
/// state of a running instance to a new build of its plugin (the monitor's <c>swap NAME</c>).
/// <para>
/// Both calls come while every vCPU is stopped between two instructions, so no bus access runs at
/// the same time; a timer callback may (on the host clock), so guard what it touches as for an access.
/// Save plain data only (registers, FIFOs, counters, armed timer deadlines), never host handles:
/// a character backend or a disk image stays open and is reconnected, not saved.
/// </para>
/// <para>
/// <see cref="LoadState"/> is called on a freshly built instance of the same machine-file entry
/// (its constructor ran with the same options), with the <see cref="StateVersion"/> of the instance
/// that saved. A device that cannot read that version throws <see cref="StateFormatException"/>; the
/// machine names the device in the error. A device without this interface makes a snapshot fail
/// with a message naming it (nothing is written).
/// </para>
/// </summary>
public interface IDeviceState
{
    /// <summary>The layout version of what <see cref="SaveState"/> writes; raise it when the layout changes.</summary>
    int StateVersion { get; }

    /// <summary>Writes the device's state.</summary>
    void SaveState(IStateWriter writer);

    /// <summary>
    /// Replaces the device's state with what an instance of version <paramref name="version"/> saved,
    /// re-arming its timers at their saved deadlines and driving its interrupt line to the saved level.
    /// </summary>
    void LoadState(IStateReader reader, int version);
}
