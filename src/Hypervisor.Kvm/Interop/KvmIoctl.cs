namespace Hypervisor.Kvm.Interop;

/// <summary>The KVM ioctl requests MiniVmm uses, encoded as <c>&lt;linux/kvm.h&gt;</c> defines them.</summary>
[NativeConstants("KVM_")]
internal static class KvmIoctl
{
    /// <summary>KVMIO, the ioctl type byte of every KVM request.</summary>
    private const uint Kvmio = 0xAE;

    // On the /dev/kvm descriptor.
    public static readonly uint GetApiVersion = IoctlNumber.IO(Kvmio, 0x00);
    public static readonly uint CreateVm = IoctlNumber.IO(Kvmio, 0x01);
    public static readonly uint CheckExtension = IoctlNumber.IO(Kvmio, 0x03);
    public static readonly uint GetVcpuMmapSize = IoctlNumber.IO(Kvmio, 0x04);
    public static readonly uint GetSupportedCpuid = IoctlNumber.IOWR<KvmCpuid2>(Kvmio, 0x05);

    // On a VM descriptor.
    public static readonly uint CreateVcpu = IoctlNumber.IO(Kvmio, 0x41);
    public static readonly uint SetUserMemoryRegion = IoctlNumber.IOW<KvmUserspaceMemoryRegion>(Kvmio, 0x46);
    public static readonly uint SetTssAddr = IoctlNumber.IO(Kvmio, 0x47);
    public static readonly uint SetIdentityMapAddr = IoctlNumber.IOW<ulong>(Kvmio, 0x48);
    public static readonly uint CreateIrqchip = IoctlNumber.IO(Kvmio, 0x60);
    public static readonly uint IrqLine = IoctlNumber.IOW<KvmIrqLevel>(Kvmio, 0x61);
    public static readonly uint CreatePit2 = IoctlNumber.IOW<KvmPitConfig>(Kvmio, 0x77);
    public static readonly uint Irqfd = IoctlNumber.IOW<KvmIrqfd>(Kvmio, 0x76);
    public static readonly uint Ioeventfd = IoctlNumber.IOW<KvmIoeventfd>(Kvmio, 0x79);

    // On a vCPU descriptor.
    public static readonly uint Run = IoctlNumber.IO(Kvmio, 0x80);
    public static readonly uint GetRegs = IoctlNumber.IOR<KvmRegs>(Kvmio, 0x81);
    public static readonly uint SetRegs = IoctlNumber.IOW<KvmRegs>(Kvmio, 0x82);
    public static readonly uint Interrupt = IoctlNumber.IOW<KvmInterrupt>(Kvmio, 0x86);
    public static readonly uint GetSregs = IoctlNumber.IOR<KvmSregs>(Kvmio, 0x83);
    public static readonly uint SetSregs = IoctlNumber.IOW<KvmSregs>(Kvmio, 0x84);
    public static readonly uint SetCpuid2 = IoctlNumber.IOW<KvmCpuid2>(Kvmio, 0x90);
    public static readonly uint Translate = IoctlNumber.IOWR<KvmTranslation>(Kvmio, 0x85);
    public static readonly uint SetGuestDebug = IoctlNumber.IOW<KvmGuestDebug>(Kvmio, 0x9b);
}
