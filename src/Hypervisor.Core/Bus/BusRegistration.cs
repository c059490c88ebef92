namespace Hypervisor.Core.Bus;

/// <summary>
/// One device's claim on a bus, [<see cref="Base"/>, <see cref="End"/>), with its access count for
/// <c>--stats</c>. The device sees offsets from <see cref="Base"/>.
/// </summary>
public abstract class BusRegistration<TDevice>(string name, ulong baseAddress, ulong size, TDevice device)
{
    public string Name { get; } = name;
    public ulong Base { get; } = baseAddress;
    public ulong Size { get; } = size;
    public ulong End => Base + Size;
    public TDevice Device { get; } = device;
    public long Accesses { get; internal set; }

    /// <summary>The range as logs print it: <c>0x3f8-0x3ff</c>.</summary>
    public virtual string Range => $"0x{Base:x}-0x{End - 1:x}";

    public bool Overlaps(BusRegistration<TDevice> other) => Base < other.End && other.Base < End;
}
