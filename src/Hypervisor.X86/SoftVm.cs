using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.X86.Memory;

namespace Hypervisor.X86;

/// <summary>A VM of the software accelerator: the guest's RAM and its vCPUs.</summary>
public sealed class SoftVm : IVirtualMachine
{
    private readonly GuestMemory _memory;
    private readonly PhysicalMemory _physical;
    private readonly List<SoftVcpu> _vcpus = [];

    private readonly IClock? _clock;

    /// <param name="memory">Guest RAM.</param>
    /// <param name="clock">The machine clock the vCPUs' time-stamp counters follow; null counts retired instructions.</param>
    public SoftVm(GuestMemory memory, IClock? clock = null)
    {
        _memory = memory;
        _clock = clock;
        _physical = new PhysicalMemory(memory);
        _memory.ExternalWrite += OnExternalWrite;
    }

    public IVcpu CreateVcpu(int id)
    {
        if (_vcpus.Exists(v => v.Id == id))
            throw new ArgumentException($"vCPU {id} already exists", nameof(id));
        var vcpu = new SoftVcpu(id, _physical, _clock);
        lock (_vcpus)
            _vcpus.Add(vcpu);
        return vcpu;
    }

    /// <summary>DMA wrote guest memory: every vCPU drops decoded code there before its next instruction.</summary>
    /// <summary>There is no in-kernel irqchip here: lines go to the interrupt controller plugin.</summary>
    public void SetIrqLine(int irq, bool level) =>
        throw new NotSupportedException("the software CPU has no in-kernel irqchip");

    private void OnExternalWrite(ulong address, int length)
    {
        lock (_vcpus)
        {
            foreach (var v in _vcpus)
                v.NoteExternalWrite(address, length);
        }
    }

    public void Dispose()
    {
        _memory.ExternalWrite -= OnExternalWrite;
        lock (_vcpus)
        {
            foreach (var v in _vcpus)
                v.Dispose();
            _vcpus.Clear();
        }
    }
}
