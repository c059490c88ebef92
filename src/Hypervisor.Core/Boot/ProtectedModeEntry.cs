using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The state a Multiboot loader leaves (Multiboot specification, "Machine state"): 32-bit
/// protected mode, CS a flat 4 GiB execute/read segment, DS/ES/FS/GS/SS flat 4 GiB read/write
/// segments, paging off, interrupts off, EAX the boot magic and EBX the info address.
/// </summary>
public static class ProtectedModeEntry
{
    /// <summary>EAX at a Multiboot kernel's entry.</summary>
    public const uint BootMagic = 0x2badb002;

    /// <summary>Entry at <paramref name="eip"/> with the given EAX/EBX/ESP and a GDT whose selectors
    /// <see cref="MultibootInfo.CodeSelector"/> and <see cref="MultibootInfo.DataSelector"/> match the loaded segments.</summary>
    public static BootState Flat32(uint eip, uint eax, uint ebx, uint esp, ulong gdtBase, ushort gdtLimit)
    {
        var state = new BootState();
        ref var s = ref state.SpecialRegisters;
        s.Cs = Flat(MultibootInfo.CodeSelector, X86Bits.CodeExecuteReadAccessed);
        s.Ds = s.Es = s.Fs = s.Gs = s.Ss = Flat(MultibootInfo.DataSelector, X86Bits.DataReadWriteAccessed);
        s.Tr = new SegmentRegister { Limit = 0xffff, Type = X86Bits.BusyTss, Present = true };
        s.Ldt = new SegmentRegister { Limit = 0xffff, Type = X86Bits.Ldt, Present = true };
        s.Gdt = new DescriptorTableRegister { Base = gdtBase, Limit = gdtLimit };
        s.Idt = new DescriptorTableRegister { Base = 0, Limit = 0 };
        s.Cr0 = X86Bits.Cr0ProtectionEnable | X86Bits.Cr0ExtensionType;
        state.Registers = new VcpuRegisters { Rip = eip, Rax = eax, Rbx = ebx, Rsp = esp, Rflags = X86Bits.RflagsReserved };
        return state;
    }

    private static SegmentRegister Flat(ushort selector, byte type) => new()
    {
        Base = 0,
        Limit = 0xffffffff,
        Selector = selector,
        Type = type,
        Present = true,
        Dpl = 0,
        Db = true,
        S = true,
        G = true,
    };
}
