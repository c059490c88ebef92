using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Boot;

/// <summary>
/// What every boot loader returns: vCPU 0's entry state, as an accelerator takes it, and the guest
/// ranges the loader filled (image, kernel, initrd, boot information), by name.
/// </summary>
public sealed record BootState(VcpuRegisters Registers, VcpuSpecialRegisters SpecialRegisters)
{
    /// <summary>The guest ranges the loader wrote, in the order it wrote them.</summary>
    public IReadOnlyList<LoadedRegion> Loaded { get; init; } = [];

    /// <summary>The loaded range called <paramref name="name"/>, or null.</summary>
    public LoadedRegion? Region(string name) => Loaded.Where(r => r.Name == name).Select(r => (LoadedRegion?)r).FirstOrDefault();
}

/// <summary>A guest physical range a boot loader filled, e.g. ("kernel", 0x100000, 0x5e0000).</summary>
public readonly record struct LoadedRegion(string Name, ulong Address, ulong Size)
{
    public ulong End => Address + Size;

    public override string ToString() => $"{Name} [0x{Address:x}, 0x{End:x})";
}
