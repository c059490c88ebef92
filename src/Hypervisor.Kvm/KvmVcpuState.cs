using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// A KVM vCPU's snapshot state, as KVM hands it out: kvm_regs, kvm_sregs, the FPU and XSAVE area,
/// XCR0, the pending events (exception, interrupt, NMI, interrupt shadow) and the MSRs of
/// <see cref="SavedMsrs"/> that this host's KVM reads. Saved while the vCPU's thread is parked
/// outside KVM_RUN after an immediate exit, which completed any pending I/O (KVM's API contract).
/// Restored in QEMU's order: registers, XSAVE, XCRs, special registers, MSRs, events. With the
/// in-kernel irqchip the local APIC's register page and the run state (runnable, halted, waiting for
/// SIPI) follow (KVM_GET_LAPIC, KVM_GET_MP_STATE); without it the layout is as before.
/// </summary>
public sealed unsafe partial class KvmVcpu : IVcpuState
{
    /// <summary>Raise when the layout below changes.</summary>
    public const int SnapshotVersion = 1;

    /// <summary>The MSRs a snapshot carries: TSC, SYSENTER, PAT, MISC_ENABLE, the long-mode syscall MSRs, TSC_AUX and kvmclock's.</summary>
    private static readonly uint[] SavedMsrs =
    [
        0x10, 0x174, 0x175, 0x176, 0x1a0, 0x277, 0x2ff,
        0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, 0xC0000102, 0xC0000103,
        0x4b564d00, 0x4b564d01, 0x4b564d02, 0x4b564d03, 0x4b564d04,
    ];

    public int StateVersion => SnapshotVersion;

    /// <summary>The VM has the in-kernel irqchip: this vCPU's local APIC lives in KVM.</summary>
    internal bool InKernelApic { get; init; }

    public void SaveState(IStateWriter w)
    {
        Save<KvmRegs>(w, KvmIoctl.GetRegs, "KVM_GET_REGS");
        Save<KvmSregs>(w, KvmIoctl.GetSregs, "KVM_GET_SREGS");
        Save<KvmFpuBlob>(w, KvmStateIoctl.GetFpu, "KVM_GET_FPU");
        Save<KvmXsaveBlob>(w, KvmStateIoctl.GetXsave, "KVM_GET_XSAVE");
        Save<KvmXcrsBlob>(w, KvmStateIoctl.GetXcrs, "KVM_GET_XCRS");
        var msrs = new List<(uint Index, ulong Value)>();
        foreach (uint index in SavedMsrs)
        {
            var one = new KvmOneMsr { Header = new KvmMsrsHeader { Nmsrs = 1 }, Index = index };
            if (CheckedIoctl.Call(_vcpu, KvmStateIoctl.GetMsrs, &one, "KVM_GET_MSRS") == 1)
                msrs.Add((index, one.Data)); // an MSR this host's KVM does not have reads 0 entries
        }
        w.WriteInt32(msrs.Count);
        foreach (var (index, value) in msrs)
        {
            w.WriteUInt32(index);
            w.WriteUInt64(value);
        }
        Save<KvmVcpuEventsBlob>(w, KvmStateIoctl.GetVcpuEvents, "KVM_GET_VCPU_EVENTS");
        if (InKernelApic)
        {
            Save<KvmLapicBlob>(w, KvmStateIoctl.GetLapic, "KVM_GET_LAPIC");
            Save<KvmMpStateBlob>(w, KvmStateIoctl.GetMpState, "KVM_GET_MP_STATE");
        }
    }

    public void LoadState(IStateReader r, int version)
    {
        StateFormatException.ThrowIfNotVersion("KVM vCPU", version, SnapshotVersion);
        var regs = Read<KvmRegs>(r);
        var sregs = Read<KvmSregs>(r);
        var fpu = Read<KvmFpuBlob>(r);
        var xsave = Read<KvmXsaveBlob>(r);
        var xcrs = Read<KvmXcrsBlob>(r);
        int count = r.ReadInt32();
        if (count < 0 || count > SavedMsrs.Length)
            throw new StateFormatException($"KVM vCPU state: {count} MSRs");
        var msrs = new (uint Index, ulong Value)[count];
        for (int i = 0; i < count; i++)
            msrs[i] = (r.ReadUInt32(), r.ReadUInt64());
        var events = Read<KvmVcpuEventsBlob>(r);
        var lapic = InKernelApic ? Read<KvmLapicBlob>(r) : default;
        var mpState = InKernelApic ? Read<KvmMpStateBlob>(r) : default;

        CheckedIoctl.Call(_vcpu, KvmIoctl.SetRegs, &regs, "KVM_SET_REGS");
        CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetFpu, &fpu, "KVM_SET_FPU");
        CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetXsave, &xsave, "KVM_SET_XSAVE");
        CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetXcrs, &xcrs, "KVM_SET_XCRS");
        CheckedIoctl.Call(_vcpu, KvmIoctl.SetSregs, &sregs, "KVM_SET_SREGS");
        foreach (var (index, value) in msrs)
        {
            var one = new KvmOneMsr { Header = new KvmMsrsHeader { Nmsrs = 1 }, Index = index, Data = value };
            if (CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetMsrs, &one, "KVM_SET_MSRS") != 1)
                throw new StateFormatException($"this host's KVM refuses MSR 0x{index:x} the snapshot holds");
        }
        if (InKernelApic)
            CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetLapic, &lapic, "KVM_SET_LAPIC"); // after SREGS: the APIC base is set
        CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetVcpuEvents, &events, "KVM_SET_VCPU_EVENTS");
        if (InKernelApic)
            CheckedIoctl.Call(_vcpu, KvmStateIoctl.SetMpState, &mpState, "KVM_SET_MP_STATE");
    }

    private void Save<T>(IStateWriter w, uint request, string name) where T : unmanaged
    {
        T value;
        CheckedIoctl.Call(_vcpu, request, &value, name);
        w.WriteBytes(new ReadOnlySpan<byte>(&value, sizeof(T)));
    }

    private static T Read<T>(IStateReader r) where T : unmanaged
    {
        T value;
        r.ReadBytes(new Span<byte>(&value, sizeof(T)));
        return value;
    }
}
