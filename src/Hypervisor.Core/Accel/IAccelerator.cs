namespace Hypervisor.Core.Accel;

/// <summary>
/// A way to run guest code: the Linux KVM API or the software x86 CPU. Both produce the same
/// <see cref="VcpuExit"/> records, so the exit loop is written once.
/// </summary>
public interface IAccelerator : IDisposable
{
    /// <summary>"kvm" or "soft".</summary>
    string Name { get; }

    /// <summary>What it can run besides real and 32-bit protected mode.</summary>
    AcceleratorFeatures Features { get; }

    /// <summary>
    /// Why this accelerator cannot give a VM RAM at <paramref name="ram"/> (base, size), or null when it can.
    /// The machine builder asks before anything is built, so a bad layout is a machine-file error.
    /// </summary>
    string? CheckMemoryLayout(IReadOnlyList<(ulong Base, ulong Size)> ram) => null;

    /// <summary>Creates a VM whose RAM is <paramref name="memory"/>'s slots (KVM_CREATE_VM + KVM_SET_USER_MEMORY_REGION).</summary>
    IVirtualMachine CreateVm(Memory.GuestMemory memory, VmOptions? options = null);
}

/// <summary>A VM: memory already registered, no vCPUs yet.</summary>
public interface IVirtualMachine : IDisposable
{
    /// <summary>Creates vCPU <paramref name="id"/> (KVM_CREATE_VCPU + mmap of kvm_run).</summary>
    IVcpu CreateVcpu(int id);

    /// <summary>Drives line <paramref name="irq"/> of the in-kernel irqchip (only with <see cref="VmOptions.KernelIrqchip"/>).</summary>
    void SetIrqLine(int irq, bool level);

    /// <summary>Doorbells caught without a vCPU exit (KVM's ioeventfd), or null when the accelerator has none.</summary>
    Hypervisor.Abstractions.IIoEvents? IoEvents => null;

    /// <summary>In-kernel irqchip lines raised through resampled triggers (KVM's irqfd), or null when the accelerator has none.</summary>
    IResampledIrqLines? ResampledIrqLines => null;

    /// <summary>Why <see cref="ResampledIrqLines"/> is null, for the log.</summary>
    string NoResampledIrqLinesReason => "the accelerator has no in-kernel irqchip";
}
