using System.Runtime.InteropServices;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// The Linux KVM accelerator: an open <c>/dev/kvm</c>. Open it with <see cref="TryOpen(out string)"/>,
/// which explains in one sentence why KVM cannot be used when it cannot.
/// </summary>
public sealed unsafe class KvmAccelerator : IAccelerator
{
    /// <summary>Where Linux exposes KVM.</summary>
    public const string DefaultDevicePath = "/dev/kvm";

    private readonly FileDescriptorHandle _kvm;
    private KvmCpuidEntry2[]? _supportedCpuid;

    private KvmAccelerator(FileDescriptorHandle kvm, string devicePath, int vcpuMmapSize)
    {
        _kvm = kvm;
        DevicePath = devicePath;
        VcpuMmapSize = vcpuMmapSize;
    }

    public string Name => "kvm";

    /// <summary>The device this accelerator opened.</summary>
    public string DevicePath { get; }

    /// <summary>Size of each vCPU's kvm_run mapping (KVM_GET_VCPU_MMAP_SIZE).</summary>
    public int VcpuMmapSize { get; }

    /// <summary>Opens <c>/dev/kvm</c>; on failure returns null and the cause in <paramref name="reason"/>.</summary>
    public static KvmAccelerator? TryOpen(out string reason) => TryOpen(DefaultDevicePath, out reason);

    /// <summary>Opens a KVM device at <paramref name="devicePath"/>; on failure returns null and the cause.</summary>
    public static KvmAccelerator? TryOpen(string devicePath, out string reason)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            reason = $"KVM needs Linux on x86-64; this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}";
            return null;
        }
        int fd = LibC.Open(devicePath, OpenFlags.ReadWrite | OpenFlags.CloseOnExec);
        if (fd < 0)
        {
            reason = DescribeOpenFailure(devicePath, Marshal.GetLastPInvokeError());
            return null;
        }
        var kvm = new FileDescriptorHandle(fd);
        try
        {
            int version = LibC.Ioctl(fd, KvmIoctl.GetApiVersion, 0);
            if (version < 0)
            {
                reason = $"{devicePath} is not a KVM device: KVM_GET_API_VERSION failed with {LibC.Describe(Marshal.GetLastPInvokeError())}";
                kvm.Dispose();
                return null;
            }
            if (version != KvmApi.ApiVersion)
            {
                reason = $"{devicePath} speaks KVM API version {version}; MiniVmm needs version {KvmApi.ApiVersion}";
                kvm.Dispose();
                return null;
            }
            if (LibC.Ioctl(fd, KvmIoctl.CheckExtension, KvmCapability.ImmediateExit) <= 0)
            {
                reason = $"the kernel's KVM lacks KVM_CAP_IMMEDIATE_EXIT (Linux 4.11 or later is needed to stop vCPUs cleanly)";
                kvm.Dispose();
                return null;
            }
            int mmapSize = LibC.Ioctl(fd, KvmIoctl.GetVcpuMmapSize, 0);
            if (mmapSize < sizeof(KvmRun))
            {
                reason = $"KVM_GET_VCPU_MMAP_SIZE on {devicePath} returned {mmapSize}";
                kvm.Dispose();
                return null;
            }
            VcpuKickSignal.EnsureInstalled();
            reason = "";
            return new KvmAccelerator(kvm, devicePath, mmapSize);
        }
        catch (KvmException e)
        {
            reason = e.Message;
            kvm.Dispose();
            return null;
        }
    }

    /// <summary>Opens <c>/dev/kvm</c> or throws <see cref="KvmException"/> with the cause.</summary>
    public static KvmAccelerator Open() =>
        TryOpen(out string reason) ?? throw new KvmException($"cannot use KVM: {reason}");

    internal static string DescribeOpenFailure(string devicePath, int errno) => errno switch
    {
        Errno.NoSuchFile => $"{devicePath} does not exist: this kernel has no KVM (load kvm_intel or kvm_amd; on a VM, enable nested virtualization)",
        Errno.AccessDenied or Errno.NotPermitted => $"permission denied opening {devicePath}: add the user to its group (usually 'kvm') or run as root",
        Errno.NoSuchDeviceOrAddress or Errno.NoSuchDevice => $"{devicePath} exists but no KVM module drives it: the CPU's virtualization extensions are missing or disabled",
        _ => $"cannot open {devicePath}: {LibC.Describe(errno)}",
    };

    /// <summary>KVM_CHECK_EXTENSION: 0 when unsupported, else a capability-specific positive value.</summary>
    public int CheckExtension(int capability)
    {
        int result = LibC.Ioctl(_kvm.Fd, KvmIoctl.CheckExtension, (nuint)capability);
        return Math.Max(result, 0);
    }

    /// <summary>Long mode and the in-kernel irqchip + PIT.</summary>
    public AcceleratorFeatures Features => AcceleratorFeatures.LongMode | AcceleratorFeatures.KernelIrqchip;

    /// <summary>
    /// RAM must lie inside the guest physical address space KVM gives its vCPUs, and leave room below
    /// 4 GiB for KVM's TSS and identity-map pages (<see cref="KvmSystemPages"/>).
    /// </summary>
    public string? CheckMemoryLayout(IReadOnlyList<(ulong Base, ulong Size)> ram)
    {
        int bits = GuestPhysicalAddressBits();
        foreach (var (start, size) in ram)
        {
            if (start + size > 1ul << bits)
                return $"RAM [0x{start:x}, 0x{start + size:x}) ends above the {bits}-bit guest physical address space KVM gives vCPUs on this host (CPUID 0x80000008)";
        }
        return KvmSystemPages.Check(ram);
    }

    /// <summary>MAXPHYADDR of KVM's vCPUs: CPUID.80000008H:EAX[7:0] as KVM supports it, else the 36 bits of PAE.</summary>
    public int GuestPhysicalAddressBits()
    {
        const uint AddressSizesLeaf = 0x8000_0008;
        foreach (var entry in GetSupportedCpuid())
        {
            if (entry.Function == AddressSizesLeaf && (entry.Eax & 0xff) is > 0 and <= 64 and var bits)
                return (int)bits;
        }
        return 36;
    }

    IVirtualMachine IAccelerator.CreateVm(GuestMemory memory, VmOptions? options) =>
        CreateVm(memory, options?.KernelIrqchip == true ? new KvmVmOptions { CreateIrqchip = true, CreatePit = true } : KvmVmOptions.Default);

    /// <summary>KVM_CREATE_VM, then registers <paramref name="memory"/>'s slots and the options' extras.</summary>
    public KvmVm CreateVm(GuestMemory memory, KvmVmOptions options)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(options);
        int fd = CheckedIoctl.Call(_kvm, KvmIoctl.CreateVm, 0, "KVM_CREATE_VM");
        var vm = new FileDescriptorHandle(fd);
        try
        {
            return new KvmVm(this, vm, memory, options);
        }
        catch
        {
            vm.Dispose();
            throw;
        }
    }

    /// <summary>KVM_GET_SUPPORTED_CPUID, asked once and grown until the buffer is large enough.</summary>
    internal KvmCpuidEntry2[] GetSupportedCpuid()
    {
        if (_supportedCpuid != null)
            return _supportedCpuid;
        for (int capacity = 64; ; capacity *= 2)
        {
            int bytes = sizeof(KvmCpuid2) + capacity * sizeof(KvmCpuidEntry2);
            byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
            try
            {
                var header = (KvmCpuid2*)buffer;
                header->Nent = (uint)capacity;
                int result = LibC.Ioctl(_kvm.Fd, KvmIoctl.GetSupportedCpuid, buffer);
                if (result < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.TooBig && capacity < 4096)
                        continue;
                    throw KvmException.FromErrno("KVM_GET_SUPPORTED_CPUID", errno);
                }
                var entries = new ReadOnlySpan<KvmCpuidEntry2>(buffer + sizeof(KvmCpuid2), (int)header->Nent);
                return _supportedCpuid = entries.ToArray();
            }
            finally
            {
                NativeMemory.Free(buffer);
            }
        }
    }

    public void Dispose() => _kvm.Dispose();
}
