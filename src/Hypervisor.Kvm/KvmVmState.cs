using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// The VM's in-kernel state in a snapshot (with the in-kernel irqchip): the master and slave PICs and
/// the IOAPIC (KVM_GET_IRQCHIP), the PIT (KVM_GET_PIT2) and kvmclock (KVM_GET_CLOCK). Each vCPU's
/// local APIC is in its own state (<c>KvmVcpuState.cs</c>). Restored as QEMU does: the chips as
/// saved, the PIT's counts reloaded from now, kvmclock continuing from the saved time.
/// </summary>
public sealed unsafe partial class KvmVm : IVmState
{
    /// <summary>KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC.</summary>
    private static readonly uint[] Chips = [0, 1, 2];

    /// <summary>Raise when the layout below changes.</summary>
    public const int SnapshotVersion = 1;

    public bool HasState => HasIrqchip;

    public int StateVersion => SnapshotVersion;

    public void SaveState(IStateWriter w)
    {
        foreach (uint chip in Chips)
        {
            var state = new KvmIrqchipBlob { ChipId = chip };
            CheckedIoctl.Call(_vm, KvmStateIoctl.GetIrqchip, &state, $"KVM_GET_IRQCHIP {chip}");
            w.WriteBytes(new ReadOnlySpan<byte>(&state, sizeof(KvmIrqchipBlob)));
        }
        w.WriteBool(HasPit);
        if (HasPit)
        {
            KvmPit2Blob pit;
            CheckedIoctl.Call(_vm, KvmStateIoctl.GetPit2, &pit, "KVM_GET_PIT2");
            w.WriteBytes(new ReadOnlySpan<byte>(&pit, sizeof(KvmPit2Blob)));
        }
        KvmClockData clock;
        CheckedIoctl.Call(_vm, KvmStateIoctl.GetClock, &clock, "KVM_GET_CLOCK");
        w.WriteUInt64(clock.Clock);
    }

    public void LoadState(IStateReader r, int version)
    {
        StateFormatException.ThrowIfNotVersion("KVM in-kernel irqchip", version, SnapshotVersion);
        var chips = new KvmIrqchipBlob[Chips.Length];
        for (int i = 0; i < chips.Length; i++)
        {
            fixed (KvmIrqchipBlob* chip = &chips[i])
                r.ReadBytes(new Span<byte>(chip, sizeof(KvmIrqchipBlob)));
            if (chips[i].ChipId != Chips[i])
                throw new StateFormatException($"KVM irqchip state {i} is of chip {chips[i].ChipId}, not {Chips[i]}");
        }
        bool pit = r.ReadBool();
        if (pit != HasPit)
            throw new StateFormatException($"the snapshot's VM {(pit ? "has" : "has no")} in-kernel PIT, this one {(HasPit ? "has" : "has none")}");
        KvmPit2Blob pitState = default;
        if (pit)
            r.ReadBytes(new Span<byte>(&pitState, sizeof(KvmPit2Blob)));
        var clock = new KvmClockData { Clock = r.ReadUInt64() };

        for (int i = 0; i < chips.Length; i++)
        {
            fixed (KvmIrqchipBlob* chip = &chips[i])
                CheckedIoctl.Call(_vm, KvmStateIoctl.SetIrqchip, chip, $"KVM_SET_IRQCHIP {Chips[i]}");
        }
        if (pit)
            CheckedIoctl.Call(_vm, KvmStateIoctl.SetPit2, &pitState, "KVM_SET_PIT2");
        CheckedIoctl.Call(_vm, KvmStateIoctl.SetClock, &clock, "KVM_SET_CLOCK");
    }
}
