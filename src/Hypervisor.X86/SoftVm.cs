using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Apic;
using Hypervisor.Core.Memory;
using Hypervisor.X86.Memory;

namespace Hypervisor.X86;

/// <summary>A VM of the software accelerator: the guest's RAM and its vCPUs.</summary>
public sealed class SoftVm : IVirtualMachine
{
    private readonly GuestMemory _memory;
    private readonly PhysicalMemory _physical;
    private readonly FirmwareMemory? _firmware;
    private readonly List<SoftVcpu> _vcpus = [];

    private readonly IClock? _clock;
    private readonly ApicBus? _apicBus;

    /// <param name="memory">Guest RAM.</param>
    /// <param name="clock">The machine clock the vCPUs' time-stamp counters (and APIC timers) follow; null counts retired instructions.</param>
    /// <param name="firmware">A firmware ROM and its shadow region, whose changes the vCPUs follow; or null.</param>
    /// <param name="apicBus">The APIC bus each vCPU's local APIC joins; null for vCPUs without one.</param>
    public SoftVm(GuestMemory memory, IClock? clock = null, FirmwareMemory? firmware = null, ApicBus? apicBus = null)
    {
        _memory = memory;
        _clock = clock;
        _apicBus = apicBus;
        _firmware = firmware;
        _physical = new PhysicalMemory(memory, firmware);
        _memory.ExternalWrite += OnExternalWrite;
        if (_firmware != null)
            _firmware.Changed += OnMemoryMapChanged;
    }

    public IVcpu CreateVcpu(int id)
    {
        if (_vcpus.Exists(v => v.Id == id))
            throw new ArgumentException($"vCPU {id} already exists", nameof(id));
        var vcpu = new SoftVcpu(id, _physical, _clock, _apicBus);
        lock (_vcpus)
        {
            _vcpus.Add(vcpu);
            if (_vcpus.Count > 1)
            {
                // Several vCPUs share guest memory: locked instructions become host atomics and
                // stores into decoded code reach the other vCPUs' caches (Smp/).
                foreach (var v in _vcpus)
                {
                    v.Cpu.SharedMemory = true;
                    v.Cpu.SetPeers(_vcpus.Where(o => o != v).Select(o => o.Cpu).ToArray());
                    v.Cpu.FlushDecodedCode();
                }
            }
        }
        return vcpu;
    }

    /// <summary>There is no in-kernel irqchip here: lines go to the interrupt controller plugin.</summary>
    public void SetIrqLine(int irq, bool level) =>
        throw new NotSupportedException("the software CPU has no in-kernel irqchip");

    /// <summary>DMA wrote guest memory: every vCPU drops decoded code there before its next instruction.</summary>
    private void OnExternalWrite(ulong address, int length)
    {
        lock (_vcpus)
        {
            foreach (var v in _vcpus)
                v.NoteExternalWrite(address, length);
        }
    }

    /// <summary>The chipset rerouted shadow RAM: the page tables change now, each vCPU drops what it cached before its next instruction.</summary>
    private void OnMemoryMapChanged(ulong address, ulong length)
    {
        _physical.Remap(address, length);
        lock (_vcpus)
        {
            foreach (var v in _vcpus)
                v.NoteMemoryMapChange(address, length);
        }
    }

    public void Dispose()
    {
        _memory.ExternalWrite -= OnExternalWrite;
        if (_firmware != null)
            _firmware.Changed -= OnMemoryMapChanged;
        lock (_vcpus)
        {
            foreach (var v in _vcpus)
                v.Dispose();
            _vcpus.Clear();
        }
    }
}
