namespace Hypervisor.Abstractions.Virtio;

/// <summary>
/// The MSI-X vector the driver gave the configuration change and each queue (config_msix_vector,
/// queue_msix_vector), and the table the messages go through. A vector past the table reads back
/// NO_VECTOR, as the spec asks of a device that cannot take it. Thread-safe.
/// </summary>
public sealed class VirtioPciVectors(Pci.MsixTable table, int queues)
{
    private readonly ushort[] _queues = Enumerable.Repeat(VirtioPciCommonConfig.NoVector, queues).ToArray();
    private volatile ushort _config = VirtioPciCommonConfig.NoVector;

    public Pci.MsixTable Table { get; } = table;

    public ushort Config => _config;

    public ushort Queue(int queue) => (uint)queue < (uint)_queues.Length ? Volatile.Read(ref _queues[queue]) : VirtioPciCommonConfig.NoVector;

    public void SetConfig(ushort vector) => _config = Valid(vector);

    public void SetQueue(int queue, ushort vector)
    {
        if ((uint)queue < (uint)_queues.Length)
            Volatile.Write(ref _queues[queue], Valid(vector));
    }

    /// <summary>Sends the message for a queue or <see cref="VirtioCore.ConfigSource"/>; false while MSI-X is off.</summary>
    public bool Signal(int source) => Table.Signal(source == VirtioCore.ConfigSource ? Config : Queue(source));

    /// <summary>Every vector back to NO_VECTOR (a driver reset).</summary>
    public void Reset()
    {
        _config = VirtioPciCommonConfig.NoVector;
        for (int q = 0; q < _queues.Length; q++)
            Volatile.Write(ref _queues[q], VirtioPciCommonConfig.NoVector);
    }

    public void SaveState(IStateWriter writer)
    {
        writer.WriteUInt16(_config);
        foreach (ushort vector in _queues)
            writer.WriteUInt16(vector);
        Table.SaveState(writer);
    }

    public void LoadState(IStateReader reader)
    {
        _config = reader.ReadUInt16();
        for (int q = 0; q < _queues.Length; q++)
            _queues[q] = reader.ReadUInt16();
        Table.LoadState(reader);
    }

    private ushort Valid(ushort vector) => vector < Table.Vectors ? vector : VirtioPciCommonConfig.NoVector;
}
