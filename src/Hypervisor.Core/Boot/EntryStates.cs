using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The processor state a boot format expects at its entry point, as <see cref="VcpuSpecialRegisters"/>
/// for any accelerator: real mode (flat images), flat 32-bit protected mode (Multiboot) and 64-bit
/// long mode (<see cref="LongModeEntry"/>).
/// </summary>
public static class EntryStates
{
    /// <summary>The Multiboot loader's magic value in EAX at the kernel's entry (Multiboot 0.6.96 §3.2).</summary>
    public const uint MultibootBootloaderMagic = ProtectedModeEntry.BootMagic;

    /// <summary>
    /// Real mode: CS = <paramref name="codeSegment"/>, DS/ES/FS/GS/SS = <paramref name="dataSegment"/>
    /// (base = selector × 16, 64 KiB limits), paging and protection off.
    /// </summary>
    public static VcpuSpecialRegisters RealMode(ushort codeSegment, ushort dataSegment, bool bootstrapProcessor = true)
    {
        var data = SegmentRegister.RealMode(dataSegment, code: false);
        return new VcpuSpecialRegisters
        {
            Cs = SegmentRegister.RealMode(codeSegment, code: true),
            Ds = data, Es = data, Fs = data, Gs = data, Ss = data,
            Tr = TaskRegister(),
            Ldt = LdtRegister(),
            Gdt = new DescriptorTableRegister { Base = 0, Limit = 0xffff },
            Idt = new DescriptorTableRegister { Base = 0, Limit = 0x3ff }, // the real-mode IVT
            Cr0 = X86Bits.Cr0ExtensionType,
            ApicBase = ApicBase(bootstrapProcessor),
        };
    }

    /// <summary>
    /// 32-bit protected mode with flat 4 GiB segments and paging off, as Multiboot requires: CS
    /// execute/read (selector 0x08), DS/ES/FS/GS/SS read/write (selector 0x10). The GDTR is left empty;
    /// Multiboot tells the kernel not to load segment registers before it installs its own GDT.
    /// </summary>
    public static VcpuSpecialRegisters ProtectedModeFlat(bool bootstrapProcessor = true)
    {
        var data = FlatSegment(0x10, X86Bits.DataReadWriteAccessed, longMode: false);
        return new VcpuSpecialRegisters
        {
            Cs = FlatSegment(0x08, X86Bits.CodeExecuteReadAccessed, longMode: false),
            Ds = data, Es = data, Fs = data, Gs = data, Ss = data,
            Tr = TaskRegister(),
            Ldt = LdtRegister(),
            Gdt = default,
            Idt = default,
            Cr0 = X86Bits.Cr0ProtectionEnable | X86Bits.Cr0ExtensionType,
            ApicBase = ApicBase(bootstrapProcessor),
        };
    }

    /// <summary>The general registers of a Multiboot entry: EAX = magic, EBX = info structure, EFLAGS with IF clear.</summary>
    public static VcpuRegisters MultibootRegisters(uint entryPoint, uint multibootInfoAddress) => new()
    {
        Rax = MultibootBootloaderMagic,
        Rbx = multibootInfoAddress,
        Rip = entryPoint,
        Rflags = X86Bits.RflagsReserved,
    };

    /// <summary>A flat segment (base 0, 4 GiB, granular); a 64-bit code segment when <paramref name="longMode"/>.</summary>
    public static SegmentRegister FlatSegment(ushort selector, byte type, bool longMode) => new()
    {
        Base = 0,
        Limit = 0xffff_ffff,
        Selector = selector,
        Type = type,
        Present = true,
        S = true,
        L = longMode,
        Db = !longMode, // D must be 0 when L is 1
        G = true,
    };

    internal static SegmentRegister TaskRegister(ushort selector = 0) => new()
    {
        Selector = selector,
        Limit = 0xffff,
        Type = X86Bits.BusyTss,
        Present = true,
    };

    internal static SegmentRegister LdtRegister() => new()
    {
        Limit = 0xffff,
        Type = X86Bits.Ldt,
        Present = true,
    };

    internal static ulong ApicBase(bool bootstrapProcessor) =>
        X86Bits.ApicBaseEnabled | (bootstrapProcessor ? X86Bits.ApicBaseBootstrapProcessor : 0);
}
