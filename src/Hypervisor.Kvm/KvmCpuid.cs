using System.Runtime.InteropServices;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>KVM_SET_CPUID2: what the host supports, with each vCPU's own APIC ID and the hypervisor bit written in.</summary>
internal static unsafe class KvmCpuid
{
    private const uint FeatureLeaf = 0x1;
    private const uint ExtendedTopologyLeaf = 0xb;
    private const uint ExtendedTopologyV2Leaf = 0x1f;
    private const int InitialApicIdShift = 24; // CPUID.01H:EBX[31:24]
    private const uint HypervisorPresent = 1u << 31; // CPUID.01H:ECX[31]

    public static void SetCpuid(FileDescriptorHandle vcpu, int vcpuId, ReadOnlySpan<KvmCpuidEntry2> supported)
    {
        int bytes = sizeof(KvmCpuid2) + supported.Length * sizeof(KvmCpuidEntry2);
        byte* buffer = (byte*)NativeMemory.AllocZeroed((nuint)bytes);
        try
        {
            ((KvmCpuid2*)buffer)->Nent = (uint)supported.Length;
            var entries = new Span<KvmCpuidEntry2>(buffer + sizeof(KvmCpuid2), supported.Length);
            supported.CopyTo(entries);
            foreach (ref var entry in entries)
            {
                if (entry.Function == FeatureLeaf)
                {
                    entry.Ebx = (entry.Ebx & 0x00ff_ffffu) | ((uint)vcpuId << InitialApicIdShift);
                    // As QEMU: a guest that sees the hypervisor bit reads KVM's leaves at 0x40000000 (which
                    // KVM_GET_SUPPORTED_CPUID includes) and uses kvm-clock instead of calibrating the TSC
                    // against the PIT, which under nested emulation fails.
                    entry.Ecx |= HypervisorPresent;
                }
                else if (entry.Function is ExtendedTopologyLeaf or ExtendedTopologyV2Leaf)
                    entry.Edx = (uint)vcpuId; // x2APIC ID
            }
            CheckedIoctl.Call(vcpu, KvmIoctl.SetCpuid2, buffer, "KVM_SET_CPUID2");
        }
        finally
        {
            NativeMemory.Free(buffer);
        }
    }
}
