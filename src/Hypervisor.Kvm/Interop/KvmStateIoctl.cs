namespace Hypervisor.Kvm.Interop;

/// <summary>The vCPU and VM ioctls a snapshot uses to save and restore what KVM holds of a vCPU's and the VM's state.</summary>
[NativeConstants("KVM_")]
internal static class KvmStateIoctl
{
    private const uint Kvmio = 0xAE;

    public static readonly uint GetMsrs = IoctlNumber.IOWR<KvmMsrsHeader>(Kvmio, 0x88);
    public static readonly uint SetMsrs = IoctlNumber.IOW<KvmMsrsHeader>(Kvmio, 0x89);
    public static readonly uint GetFpu = IoctlNumber.IOR<KvmFpuBlob>(Kvmio, 0x8c);
    public static readonly uint SetFpu = IoctlNumber.IOW<KvmFpuBlob>(Kvmio, 0x8d);
    public static readonly uint GetVcpuEvents = IoctlNumber.IOR<KvmVcpuEventsBlob>(Kvmio, 0x9f);
    public static readonly uint SetVcpuEvents = IoctlNumber.IOW<KvmVcpuEventsBlob>(Kvmio, 0xa0);
    public static readonly uint GetXsave = IoctlNumber.IOR<KvmXsaveBlob>(Kvmio, 0xa4);
    public static readonly uint SetXsave = IoctlNumber.IOW<KvmXsaveBlob>(Kvmio, 0xa5);
    public static readonly uint GetXcrs = IoctlNumber.IOR<KvmXcrsBlob>(Kvmio, 0xa6);
    public static readonly uint SetXcrs = IoctlNumber.IOW<KvmXcrsBlob>(Kvmio, 0xa7);

    // With the in-kernel irqchip: the vCPU's local APIC and run state, the VM's PICs, IOAPIC, PIT and clock.
    public static readonly uint GetLapic = IoctlNumber.IOR<KvmLapicBlob>(Kvmio, 0x8e);
    public static readonly uint SetLapic = IoctlNumber.IOW<KvmLapicBlob>(Kvmio, 0x8f);
    public static readonly uint GetMpState = IoctlNumber.IOR<KvmMpStateBlob>(Kvmio, 0x98);
    public static readonly uint SetMpState = IoctlNumber.IOW<KvmMpStateBlob>(Kvmio, 0x99);
    public static readonly uint GetIrqchip = IoctlNumber.IOWR<KvmIrqchipBlob>(Kvmio, 0x62);
    public static readonly uint SetIrqchip = IoctlNumber.IOR<KvmIrqchipBlob>(Kvmio, 0x63);
    public static readonly uint GetPit2 = IoctlNumber.IOR<KvmPit2Blob>(Kvmio, 0x9f);
    public static readonly uint SetPit2 = IoctlNumber.IOW<KvmPit2Blob>(Kvmio, 0xa0);
    public static readonly uint GetClock = IoctlNumber.IOR<KvmClockData>(Kvmio, 0x7c);
    public static readonly uint SetClock = IoctlNumber.IOW<KvmClockData>(Kvmio, 0x7b);
}
