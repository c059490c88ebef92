using Hypervisor.Abstractions;

namespace SwapProbe;

/// <summary>
/// A device for the hot-swap tests: each 32-bit OUT counts one write and prints a line naming the
/// build ("probe v1" here, "probe v2" in SwapProbeV2, the same source built with SWAP_PROBE_V2); an
/// IN returns the count. The count is its state, so a guest that checks it sees a lost or repeated
/// access across a swap.
/// </summary>
[Device("swap-probe", Description = "test device: prints 'probe vN: write K value V' per OUT, IN returns K")]
[DeviceOption("backend", "where the lines go", Default = "stdio")]
public sealed class SwapProbeDevice : IPortDevice, IDeviceState
{
#if SWAP_PROBE_V2
    private const string Build = "probe v2";
#else
    private const string Build = "probe v1";
#endif

    private readonly object _lock = new();
    private readonly ICharBackend _backend;
    private uint _writes;

    public SwapProbeDevice(DeviceContext context) => _backend = context.OpenBackend("backend", "stdio");

    public int PortCount => 4;

    public int StateVersion => 1;

    public uint Read(ushort offset, int size)
    {
        lock (_lock)
            return _writes;
    }

    public void Write(ushort offset, int size, uint value)
    {
        lock (_lock)
        {
            _writes++;
            _backend.Write(System.Text.Encoding.ASCII.GetBytes($"{Build}: write {_writes} value {value}\n"));
        }
    }

    public void SaveState(IStateWriter writer)
    {
        lock (_lock)
            writer.WriteUInt32(_writes);
    }

    public void LoadState(IStateReader reader, int version)
    {
        if (version != 1)
            throw new StateFormatException($"swap-probe state version {version} is not 1");
        lock (_lock)
            _writes = reader.ReadUInt32();
    }

    public void Flush() => _backend.Flush();

    public void Dispose() => _backend.Dispose();
}
