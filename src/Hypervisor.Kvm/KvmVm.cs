using System.Runtime.InteropServices;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// A KVM virtual machine: the guest's RAM registered as memory slots, optionally an in-kernel irqchip
/// and PIT, and the vCPUs created from it.
/// </summary>
public sealed unsafe partial class KvmVm : IVirtualMachine
{
    private readonly KvmAccelerator _accelerator;
    private readonly FileDescriptorHandle _vm;
    private readonly List<KvmVcpu> _vcpus = [];

    internal KvmVm(KvmAccelerator accelerator, FileDescriptorHandle vm, GuestMemory memory, KvmVmOptions options)
    {
        _accelerator = accelerator;
        _vm = vm;
        Memory = memory;
        foreach (var slot in memory.Slots)
            RegisterSlot(slot);
        ReserveSystemPages(memory, options);
        if (options.CreateIrqchip)
        {
            CheckedIoctl.Call(_vm, KvmIoctl.CreateIrqchip, 0, "KVM_CREATE_IRQCHIP");
            HasIrqchip = true;
        }
        if (options.CreatePit)
        {
            if (!options.CreateIrqchip)
                throw new KvmException("the in-kernel PIT (KVM_CREATE_PIT2) needs the in-kernel irqchip as well");
            var pit = new KvmPitConfig { Flags = KvmApi.PitSpeakerDummy };
            CheckedIoctl.Call(_vm, KvmIoctl.CreatePit2, &pit, "KVM_CREATE_PIT2");
            HasPit = true;
        }
        if (accelerator.CheckExtension(KvmCapability.Ioeventfd) > 0)
            _ioEvents = new KvmIoEvents(_vm);
        NoResampledIrqLinesReason = !HasIrqchip ? "the VM has no in-kernel irqchip"
            : accelerator.CheckExtension(KvmCapability.Irqfd) <= 0 ? "this KVM lacks KVM_CAP_IRQFD"
            : accelerator.CheckExtension(KvmCapability.IrqfdResample) <= 0 ? "this KVM lacks KVM_CAP_IRQFD_RESAMPLE"
            : "";
        if (NoResampledIrqLinesReason.Length == 0)
            _irqfdLines = new KvmIrqfdLines(_vm);
    }

    private readonly KvmIrqfdLines? _irqfdLines;

    /// <summary>In-kernel irqchip lines raised through KVM_IRQFD in resample mode, or null (<see cref="NoResampledIrqLinesReason"/>).</summary>
    public IResampledIrqLines? ResampledIrqLines => _irqfdLines;

    /// <summary>Why <see cref="ResampledIrqLines"/> is null; empty when it is not.</summary>
    public string NoResampledIrqLinesReason { get; }

    private readonly KvmIoEvents? _ioEvents;

    /// <summary>KVM_IOEVENTFD doorbells, or null when this KVM lacks KVM_CAP_IOEVENTFD.</summary>
    public Hypervisor.Abstractions.IIoEvents? IoEvents => _ioEvents;

    /// <summary>The RAM the VM was created with.</summary>
    public GuestMemory Memory { get; }

    /// <summary>True when KVM_CREATE_IRQCHIP succeeded: device lines go to <see cref="SetIrqLine"/>.</summary>
    public bool HasIrqchip { get; }

    /// <summary>Where the TSS and identity-map pages went.</summary>
    public KvmSystemPages SystemPages { get; private set; }

    /// <summary>True when the in-kernel i8254 exists.</summary>
    public bool HasPit { get; }

    IVcpu IVirtualMachine.CreateVcpu(int id) => CreateVcpu(id);

    /// <summary>KVM_CREATE_VCPU, mmap of its kvm_run, and the host's supported CPUID.</summary>
    public KvmVcpu CreateVcpu(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        int fd = CheckedIoctl.Call(_vm, KvmIoctl.CreateVcpu, (nuint)id, $"KVM_CREATE_VCPU {id}");
        var handle = new FileDescriptorHandle(fd);
        try
        {
            var vcpu = new KvmVcpu(id, handle, _accelerator.VcpuMmapSize, _accelerator.GetSupportedCpuid()) { InKernelApic = HasIrqchip };
            lock (_vcpus)
                _vcpus.Add(vcpu);
            return vcpu;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// KVM_IRQ_LINE: drives interrupt line <paramref name="irq"/> (PIC/IOAPIC input) of the in-kernel
    /// irqchip. Thread-safe; callable from device threads.
    /// </summary>
    public void SetIrqLine(int irq, bool level)
    {
        if (!HasIrqchip)
            throw new InvalidOperationException("SetIrqLine needs the in-kernel irqchip (KvmVmOptions.CreateIrqchip)");
        ArgumentOutOfRangeException.ThrowIfNegative(irq);
        var line = new KvmIrqLevel { Irq = (uint)irq, Level = level ? 1u : 0u };
        CheckedIoctl.Call(_vm, KvmIoctl.IrqLine, &line, $"KVM_IRQ_LINE {irq}");
    }

    private void RegisterSlot(MemorySlot slot)
    {
        var region = new KvmUserspaceMemoryRegion
        {
            Slot = (uint)slot.Index,
            Flags = 0,
            GuestPhysAddr = slot.GuestAddress,
            MemorySize = slot.Size,
            UserspaceAddr = (ulong)slot.HostPointer,
        };
        CheckedIoctl.Call(_vm, KvmIoctl.SetUserMemoryRegion, &region, $"KVM_SET_USER_MEMORY_REGION for {slot}");
    }

    /// <summary>KVM_SET_TSS_ADDR and KVM_SET_IDENTITY_MAP_ADDR, at the options' addresses or where RAM is not.</summary>
    private void ReserveSystemPages(GuestMemory memory, KvmVmOptions options)
    {
        var ram = memory.Slots.Select(s => (s.GuestAddress, s.Size)).ToList();
        var placed = KvmSystemPages.Place(ram);
        ulong tss = options.TssAddress ?? placed?.TssAddress ?? throw new KvmException(KvmSystemPages.Check(ram)!);
        ulong identityMap = options.IdentityMapAddress ?? placed?.IdentityMapAddress ?? throw new KvmException(KvmSystemPages.Check(ram)!);
        RequireNotRam(memory, tss, KvmSystemPages.TssSize, "TSS pages", nameof(KvmVmOptions.TssAddress));
        RequireNotRam(memory, identityMap, KvmSystemPages.PageSize, "identity-map page", nameof(KvmVmOptions.IdentityMapAddress));
        CheckedIoctl.Call(_vm, KvmIoctl.SetTssAddr, (nuint)tss, "KVM_SET_TSS_ADDR");
        if (_accelerator.CheckExtension(KvmCapability.SetIdentityMapAddr) > 0)
            CheckedIoctl.Call(_vm, KvmIoctl.SetIdentityMapAddr, &identityMap, "KVM_SET_IDENTITY_MAP_ADDR");
        SystemPages = new KvmSystemPages(tss, identityMap);
    }

    private static void RequireNotRam(GuestMemory memory, ulong address, ulong size, string what, string option)
    {
        foreach (var slot in memory.Slots)
        {
            if (slot.GuestAddress < address + size && address < slot.End)
                throw new KvmException($"KVM's {what} [0x{address:x}, 0x{address + size:x}) overlap RAM {slot}; move KvmVmOptions.{option}");
        }
    }

    public void Dispose()
    {
        _ioEvents?.Dispose(); // deassigned while the VM descriptor is still open
        _irqfdLines?.Dispose();
        lock (_vcpus)
        {
            foreach (var vcpu in _vcpus)
                vcpu.Dispose();
            _vcpus.Clear();
        }
        _vm.Dispose();
    }
}
