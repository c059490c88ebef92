using Hypervisor.Abstractions;

namespace MyDevice;

/// <summary>
/// A scratch register on the port bus, the starting point of a device: the guest writes a byte
/// and reads it back; a write to the doorbell raises the entry's interrupt line until the guest
/// reads the doorbell. Offsets are relative to the machine file's "ports" base.
/// </summary>
[Device("my-device", Description = "a scratch register with a doorbell interrupt (made by dotnet new minivmm-device)")]
[DeviceOption("initial", "the scratch register's value at power-on and reset (0 to 255)", Default = "0")]
public sealed class MyDevicePort : IPortDevice
{
    /// <summary>The device's ports, as offsets from its base.</summary>
    public static class Register
    {
        /// <summary>Read/write: the scratch byte.</summary>
        public const ushort Scratch = 0;

        /// <summary>Write: raises the interrupt line. Read: 1 while it is raised, and lowers it.</summary>
        public const ushort Doorbell = 1;

        /// <summary>How many ports the device claims.</summary>
        public const int Count = 2;
    }

    private readonly object _lock = new(); // vCPU threads may reach the device at once
    private readonly DeviceContext _context;
    private readonly byte _initial;
    private byte _scratch;
    private bool _ringing;

    public MyDevicePort(DeviceContext context)
    {
        _context = context;
        ulong initial = context.Options.GetUInt64("initial", 0);
        if (initial > byte.MaxValue)
            throw new DeviceConfigurationException("initial", $"{initial} does not fit in the 8-bit register: expected 0 to 255");
        _initial = (byte)initial;
        _scratch = _initial;
    }

    public int PortCount => Register.Count;

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
        {
            switch (offset)
            {
                case Register.Scratch:
                    return _scratch;
                case Register.Doorbell:
                    bool wasRinging = _ringing;
                    SetRinging(false);
                    return wasRinging ? 1u : 0u;
                default:
                    return 0xff; // beyond the registers a wider access reaches: floating bus
            }
        }
    }

    public void Write(ushort offset, int size, uint value)
    {
        lock (_lock)
        {
            switch (offset)
            {
                case Register.Scratch:
                    _scratch = (byte)value;
                    _context.Logger.Debug("scratch = 0x{Value:x2}", _scratch);
                    break;
                case Register.Doorbell:
                    _context.Logger.Information("doorbell rung (scratch 0x{Value:x2})", _scratch);
                    SetRinging(true);
                    break;
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _scratch = _initial;
            SetRinging(false);
        }
    }

    private void SetRinging(bool ringing)
    {
        _ringing = ringing;
        _context.Irq.Set(ringing);
    }
}
