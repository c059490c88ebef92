namespace Hypervisor.Kvm.Interop;

/// <summary>The vCPU ioctls a snapshot uses to save and restore what KVM holds of a vCPU's state.</summary>
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
}
