namespace Hypervisor.X86.Cpu;

/// <summary>
/// The NMI pin (SDM Vol. 3, 6.7.1): a non-maskable interrupt is latched, delivered through vector 2
/// at the next instruction boundary regardless of IF, and further NMIs are held until the handler's IRET.
/// </summary>
internal sealed partial class Cpu
{
    private const int AttentionNmi = 4;
    private bool _nmiLatched;
    private bool _nmiBlocked;

    /// <summary>Thread-safe: raises NMI (wakes a halted CPU).</summary>
    public void RaiseNmi()
    {
        Interlocked.Or(ref _attention, AttentionNmi);
        _wake.Set();
    }

    /// <summary>Called at an instruction boundary from the attention path.</summary>
    private void ServiceNmi()
    {
        _nmiLatched = true;
        if (_nmiBlocked)
            return;
        _nmiLatched = false;
        _nmiBlocked = true;
        DeliverExternalInterrupt(Vector.NMI);
    }

    /// <summary>IRET ends NMI blocking; a latched NMI is then taken.</summary>
    private void NmiIret()
    {
        _nmiBlocked = false;
        if (_nmiLatched)
            Interlocked.Or(ref _attention, AttentionNmi);
    }
}
