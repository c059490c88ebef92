namespace MiniVmm.Devices.Rtc;

/// <summary>
/// The RTC's state apart from the live device: the CMOS bytes (alarms, A, B, D and RAM; the time
/// registers are computed from <see cref="TimeAtAnchor"/>), the index, and the time base.
/// </summary>
public sealed record RtcState
{
    public byte[] Cmos { get; init; } = new byte[RtcRegister.Count];

    public byte Index { get; set; }

    /// <summary>Index port bit 7.</summary>
    public bool NmiDisabled { get; set; }

    /// <summary>Register C's flags as of <see cref="FlagsCheckedNanoseconds"/>.</summary>
    public byte Flags { get; set; }

    /// <summary>The calendar time at <see cref="AnchorNanoseconds"/>; it advances one second per clock second from there.</summary>
    public DateTime TimeAtAnchor { get; set; }

    /// <summary>Machine time (ns) of the divider phase: updates happen at anchor + whole seconds.</summary>
    public long AnchorNanoseconds { get; set; }

    /// <summary>Updates are held (SET, or the divider in reset): the time stays at <see cref="TimeAtAnchor"/>.</summary>
    public bool Frozen { get; set; }

    /// <summary>Machine time up to which periodic, update and alarm events have been folded into <see cref="Flags"/>.</summary>
    public long FlagsCheckedNanoseconds { get; set; }
}
