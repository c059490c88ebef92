using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Debug;

/// <summary>
/// gdb's breakpoints and watchpoints (Z0-Z4) and how they reach a vCPU: a <see cref="GuestDebug"/>
/// for the accelerator, and for one that <see cref="IVcpuDebug.PatchesSoftwareBreakpoints"/> (KVM),
/// INT3 bytes written into guest memory while the guest runs and taken out whenever it stops, so gdb
/// never reads them back.
/// </summary>
internal sealed class GdbBreakpoints(IVcpuDebug vcpu, GuestMemory memory)
{
    private const byte Int3 = 0xCC;
    private readonly SortedSet<ulong> _software = [];
    private readonly SortedSet<ulong> _hardware = [];
    private readonly List<Watchpoint> _watchpoints = [];
    private readonly Dictionary<ulong, byte> _patched = [];

    /// <summary>Z: false when the vCPU's hardware slots are all taken (gdb then says it cannot insert it).</summary>
    public bool Insert(int type, ulong address, int length)
    {
        if (type == 0)
        {
            _software.Add(address);
            return true;
        }
        if (_hardware.Count + _watchpoints.Count >= vcpu.HardwareSlots)
            return false;
        bool debugRegisters = vcpu.HardwareSlots != int.MaxValue;
        if (type >= 2 && debugRegisters && (length is not (1 or 2 or 4 or 8) || address % (ulong)length != 0))
            return false; // DR0-DR3 watch 1, 2, 4 or 8 aligned bytes
        if (type == 1)
            _hardware.Add(address);
        else
            _watchpoints.Add(new Watchpoint(address, Math.Max(length, 1), type switch { 2 => WatchKind.Write, 3 => WatchKind.Read, _ => WatchKind.Access }));
        return true;
    }

    /// <summary>z: removes one (removing what is not there is not an error, as in gdbserver).</summary>
    public void Remove(int type, ulong address, int length)
    {
        if (type == 0)
            _software.Remove(address);
        else if (type == 1)
            _hardware.Remove(address);
        else
            _watchpoints.RemoveAll(w => w.Address == address && w.Length == Math.Max(length, 1));
    }

    public void Clear()
    {
        _software.Clear();
        _hardware.Clear();
        _watchpoints.Clear();
    }

    /// <summary>The kind of the watchpoint at <paramref name="address"/>, for the stop reply.</summary>
    public WatchKind? WatchAt(ulong address) => _watchpoints.FirstOrDefault(w => w.Address == address) is { Length: > 0 } w ? w.Kind : null;

    /// <summary>Before the guest runs again: INT3 patched in where the accelerator needs it, then the vCPU told.</summary>
    public void Arm(bool singleStep)
    {
        IEnumerable<ulong> checkedByCpu = _hardware;
        if (vcpu.PatchesSoftwareBreakpoints)
            PatchIn();
        else
            checkedByCpu = checkedByCpu.Concat(_software);
        vcpu.SetGuestDebug(new GuestDebug(singleStep, [.. checkedByCpu], [.. _watchpoints]));
    }

    /// <summary>The guest stopped: the original bytes back under every INT3.</summary>
    public void Disarm()
    {
        foreach (var (physical, original) in _patched)
            memory.Write(physical, [original]);
        _patched.Clear();
    }

    private void PatchIn()
    {
        Span<byte> one = stackalloc byte[1];
        foreach (ulong address in _software)
        {
            if (!vcpu.TryTranslate(address, out ulong physical) || !memory.IsRam(physical, 1) || _patched.ContainsKey(physical))
                continue;
            memory.Read(physical, one);
            _patched[physical] = one[0];
            memory.Write(physical, [Int3]);
        }
    }
}
