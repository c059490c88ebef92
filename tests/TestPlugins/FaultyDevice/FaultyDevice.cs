using Hypervisor.Abstractions;

namespace FaultyDevice;

/// <summary>Throws where its "failOn" option says: "construct", "read" or "write".</summary>
[Device("faulty", Description = "test device that throws on purpose")]
[DeviceOption("failOn", "construct, read or write")]
public sealed class FaultyDevice : IPortDevice
{
    private readonly string _failOn;

    public FaultyDevice(DeviceContext context)
    {
        _failOn = context.Options.GetString("failOn", "write");
        if (_failOn is not ("construct" or "read" or "write"))
            throw new DeviceConfigurationException("failOn", $"'{_failOn}' is not construct, read or write");
        if (_failOn == "construct")
            throw new InvalidOperationException("the faulty device refuses to start");
    }

    public int PortCount => 1;

    public uint Read(ushort offset, int size) =>
        _failOn == "read" ? throw new InvalidOperationException("read failed on purpose") : 0u;

    public void Write(ushort offset, int size, uint value)
    {
        if (_failOn == "write")
            throw new InvalidOperationException($"write of 0x{value:x} failed on purpose");
    }
}
