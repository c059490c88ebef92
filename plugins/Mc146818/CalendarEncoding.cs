namespace MiniVmm.Devices.Rtc;

/// <summary>Time and date fields as register B's DM and 24/12 bits say they are written.</summary>
internal static class CalendarEncoding
{
    public static byte Encode(int value, bool binary) => binary ? (byte)value : (byte)((value / 10 << 4) | value % 10);

    public static int Decode(byte value, bool binary) => binary ? value : (value >> 4) * 10 + (value & 0x0f);

    public static byte EncodeHour(int hour24, bool binary, bool mode24)
    {
        if (mode24)
            return Encode(hour24, binary);
        int hour12 = hour24 % 12 == 0 ? 12 : hour24 % 12;
        return (byte)(Encode(hour12, binary) | (hour24 >= 12 ? HourFormat.Pm : 0));
    }

    public static int DecodeHour(byte value, bool binary, bool mode24)
    {
        if (mode24)
            return Decode(value, binary);
        int hour12 = Decode((byte)(value & ~HourFormat.Pm), binary) % 12;
        return (value & HourFormat.Pm) != 0 ? hour12 + 12 : hour12;
    }

    /// <summary>The register value of time register <paramref name="register"/> for <paramref name="time"/>.</summary>
    public static byte Read(int register, DateTime time, byte registerB)
    {
        bool binary = (registerB & RegisterB.Binary) != 0;
        return register switch
        {
            RtcRegister.Seconds => Encode(time.Second, binary),
            RtcRegister.Minutes => Encode(time.Minute, binary),
            RtcRegister.Hours => EncodeHour(time.Hour, binary, (registerB & RegisterB.Hour24) != 0),
            RtcRegister.DayOfWeek => Encode((int)time.DayOfWeek + 1, binary), // 1 = Sunday
            RtcRegister.DayOfMonth => Encode(time.Day, binary),
            RtcRegister.Month => Encode(time.Month, binary),
            RtcRegister.Year => Encode(time.Year % 100, binary),
            _ => Encode(time.Year / 100, binary: false), // the century byte is BCD by convention
        };
    }

    /// <summary>
    /// <paramref name="time"/> with one field replaced by a guest write. Out-of-range values are clamped
    /// into range (the chip would count from them oddly; a calendar cannot hold them). The day of week
    /// follows from the date, so writes to it are ignored.
    /// </summary>
    public static DateTime Write(int register, byte value, DateTime time, byte registerB)
    {
        bool binary = (registerB & RegisterB.Binary) != 0;
        int v = register == RtcRegister.Hours
            ? DecodeHour(value, binary, (registerB & RegisterB.Hour24) != 0)
            : Decode(value, binary && register != CmosField.Century);
        int year = time.Year, month = time.Month, day = time.Day, hour = time.Hour, minute = time.Minute, second = time.Second;
        switch (register)
        {
            case RtcRegister.Seconds: second = Math.Clamp(v, 0, 59); break;
            case RtcRegister.Minutes: minute = Math.Clamp(v, 0, 59); break;
            case RtcRegister.Hours: hour = Math.Clamp(v, 0, 23); break;
            case RtcRegister.DayOfMonth: day = v; break;
            case RtcRegister.Month: month = Math.Clamp(v, 1, 12); break;
            case RtcRegister.Year: year = year / 100 * 100 + Math.Clamp(v, 0, 99); break;
            case CmosField.Century: year = Math.Clamp(v, 1, 99) * 100 + year % 100; break;
            default: return time;
        }
        day = Math.Clamp(day, 1, DateTime.DaysInMonth(year, month));
        return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
    }
}
