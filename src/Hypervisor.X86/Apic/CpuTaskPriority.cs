using Hypervisor.X86.Apic;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// CR8, the task-priority register of 64-bit mode (SDM Vol. 3, 11.8.6.1): bits 3:0 are the local
/// APIC's TPR bits 7:4, so a MOV to CR8 is a TPR write with the sub-class cleared. Without a local
/// APIC the value is only kept, so what the guest writes reads back (nothing it gates exists).
/// </summary>
internal sealed partial class Cpu
{
    private ulong _cr8;

    /// <summary>CR8 as MOV from CR8 and KVM's <c>kvm_sregs.cr8</c> read it.</summary>
    public ulong Cr8 => LocalApic is { } apic ? (apic.Read(ApicRegister.TaskPriority) >> 4) & 0xF : _cr8;

    /// <summary>MOV to CR8: bits 63:4 are reserved (#GP).</summary>
    public void WriteCr8(ulong value)
    {
        if ((value & ~0xFUL) != 0)
            throw GP();
        if (LocalApic is { } apic)
            apic.Write(ApicRegister.TaskPriority, (uint)value << 4);
        else
            _cr8 = value;
    }
}
