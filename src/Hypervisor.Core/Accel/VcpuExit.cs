namespace Hypervisor.Core.Accel;

/// <summary>Direction of a port access, as in KVM_EXIT_IO_IN / KVM_EXIT_IO_OUT.</summary>
public enum IoDirection : byte
{
    In = 0,
    Out = 1,
}

/// <summary>
/// The exit record: KVM's <c>struct kvm_run</c> exit union, accelerator-neutral. One instance per
/// vCPU is reused for every exit. Data for I/O and MMIO lives in a buffer the accelerator owns (for
/// KVM, inside the mmapped kvm_run page at <c>io.data_offset</c>), so reading it copies nothing.
/// </summary>
public sealed unsafe class VcpuExit
{
    private byte* _data;
    private int _capacity;

    /// <param name="data">The buffer behind <see cref="Data"/>; must stay valid while the vCPU lives.</param>
    /// <param name="capacity">Its size in bytes.</param>
    public VcpuExit(byte* data, int capacity)
    {
        _data = data;
        _capacity = capacity;
    }

    public VcpuExitReason Reason { get; set; }

    // --- KVM_EXIT_IO ---
    public IoDirection IoDirection { get; set; }

    /// <summary>Bytes per access: 1, 2 or 4.</summary>
    public int IoSize { get; set; }

    public ushort IoPort { get; set; }

    /// <summary>Number of accesses (greater than 1 for REP INS/OUTS).</summary>
    public uint IoCount { get; set; }

    // --- KVM_EXIT_MMIO ---
    public ulong MmioAddress { get; set; }

    /// <summary>Bytes accessed: 1, 2, 4 or 8.</summary>
    public int MmioLength { get; set; }

    public bool MmioIsWrite { get; set; }

    // --- KVM_EXIT_DEBUG ---
    /// <summary>What stopped the vCPU for the debugger.</summary>
    public DebugStopKind DebugStop { get; set; }

    /// <summary>The watched address an access hit (<see cref="DebugStopKind.Watchpoint"/>); else the linear EIP.</summary>
    public ulong DebugAddress { get; set; }

    // --- KVM_EXIT_FAIL_ENTRY / KVM_EXIT_INTERNAL_ERROR / KVM_EXIT_UNKNOWN ---
    /// <summary>hardware_entry_failure_reason, internal error suberror, or hardware_exit_reason.</summary>
    public ulong ErrorCode { get; set; }

    /// <summary>A human-readable account of a terminal exit (set only on those, so no allocation on hot exits).</summary>
    public string? Message { get; set; }

    /// <summary>The I/O data (<see cref="IoSize"/> × <see cref="IoCount"/> bytes) or the MMIO data (<see cref="MmioLength"/> bytes).</summary>
    public Span<byte> Data => new(_data, Reason switch
    {
        VcpuExitReason.Io => IoSize * (int)IoCount,
        VcpuExitReason.Mmio => MmioLength,
        _ => 0,
    });

    /// <summary>Capacity of the data buffer in bytes.</summary>
    public int DataCapacity => _capacity;

    /// <summary>Points <see cref="Data"/> at a new buffer (KVM: <c>run + io.data_offset</c>, which may change per exit).</summary>
    public void SetDataBuffer(byte* data, int capacity)
    {
        _data = data;
        _capacity = capacity;
    }
}
