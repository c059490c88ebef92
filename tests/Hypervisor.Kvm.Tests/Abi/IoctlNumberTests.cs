using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm.Tests.Abi;

/// <summary>
/// ioctl numbers checked against values computed by hand from _IOC's layout, so they are verified even
/// where gcc is missing (the header probe checks them all against the real header).
/// </summary>
public class IoctlNumberTests
{
    [Fact]
    public void Kvm_run_is_a_plain_IO_request() => Assert.Equal(0xAE80u, KvmIoctl.Run);

    [Fact]
    public void Get_regs_reads_144_bytes() => Assert.Equal(0x8090AE81u, KvmIoctl.GetRegs);

    [Fact]
    public void Set_sregs_writes_312_bytes() => Assert.Equal(0x4138AE84u, KvmIoctl.SetSregs);

    [Fact]
    public void Set_user_memory_region_writes_32_bytes() => Assert.Equal(0x4020AE46u, KvmIoctl.SetUserMemoryRegion);

    [Fact]
    public void Get_supported_cpuid_reads_and_writes_the_8_byte_header() => Assert.Equal(0xC008AE05u, KvmIoctl.GetSupportedCpuid);

    [Fact]
    public void Oversized_argument_is_rejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlNumber.Encode(1, 0xAE, 0, 1 << 14));
}
