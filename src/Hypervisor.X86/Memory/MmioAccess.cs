using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// Loads and stores to physical addresses no RAM slot backs, as KVM does them: a store exits with
/// its data once the instruction completes; a load exits, the VMM puts the data in VcpuExit.Data,
/// and the next Run() restarts the instruction, which replays the accesses recorded so far (so an
/// instruction with several MMIO accesses makes one exit per access). The log grows with the
/// instruction: FXSAVE to MMIO makes hundreds of accesses, and each must complete.
/// </summary>
internal sealed unsafe partial class Cpu
{
    private struct MmioRecord
    {
        public ulong Address;
        public ulong Data;
        public int Size;
        public bool IsWrite;
    }

    private MmioRecord[] _mmioLog = new MmioRecord[16];
    private int _mmioCount;
    private int _mmioCursor;
    /// <summary>The last logged access is a load waiting for its data from the VMM.</summary>
    private bool _mmioLoadPending;

    private ulong MmioRead(ulong address, int size)
    {
        if (IsApicAccess(address))
            return ApicRead(address, size);
        if (_mmioCursor < _mmioCount)
        {
            ref var r = ref _mmioLog[_mmioCursor];
            if (r.Address == address && r.Size == size && !r.IsWrite)
            {
                _mmioCursor++;
                return r.Data;
            }
            _mmioCount = _mmioCursor; // the instruction took another path: forget the rest
        }
        if (_exitPending)
            throw _exitSignal; // finish the pending exit first; this access happens on the restart
        AppendMmioRecord(new MmioRecord { Address = address, Size = size });
        _mmioLoadPending = true;
        SetMmioExit(address, size, isWrite: false);
        throw _exitSignal;
    }

    private void MmioWrite(ulong address, int size, ulong value)
    {
        if (IsApicAccess(address))
        {
            ApicWrite(address, (uint)value);
            return;
        }
        if (_mmioCursor < _mmioCount)
        {
            ref var r = ref _mmioLog[_mmioCursor];
            if (r.Address == address && r.Size == size && r.IsWrite)
            {
                _mmioCursor++;
                return; // already sent to the VMM before the restart
            }
            _mmioCount = _mmioCursor;
        }
        if (_exitPending)
            throw _exitSignal;
        AppendMmioRecord(new MmioRecord { Address = address, Size = size, IsWrite = true, Data = value });
        _mmioCursor = _mmioCount;
        SetMmioExit(address, size, isWrite: true);
        var data = Exit.Data;
        for (int i = 0; i < size; i++)
            data[i] = (byte)(value >> (8 * i));
        _exitPending = true;
    }

    private void AppendMmioRecord(MmioRecord record)
    {
        if (_mmioCount == _mmioLog.Length)
            Array.Resize(ref _mmioLog, 2 * _mmioLog.Length);
        _mmioLog[_mmioCount++] = record;
    }

    private void SetMmioExit(ulong address, int size, bool isWrite)
    {
        Exit.Reason = VcpuExitReason.Mmio;
        Exit.MmioAddress = address;
        Exit.MmioLength = size;
        Exit.MmioIsWrite = isWrite;
    }

    /// <summary>Run() entry: the VMM has put the data of the pending MMIO load in the exit record.</summary>
    private void CompleteMmioLoad()
    {
        ref var r = ref _mmioLog[_mmioCount - 1];
        var data = Exit.Data;
        ulong v = 0;
        for (int i = 0; i < r.Size && i < data.Length; i++)
            v |= (ulong)data[i] << (8 * i);
        r.Data = v;
        _mmioLoadPending = false;
    }

    /// <summary>The instruction (or one iteration of a string instruction) completed: its accesses are done.</summary>
    private void MmioAccessesDone()
    {
        _mmioCount = 0;
        _mmioCursor = 0;
    }
}
