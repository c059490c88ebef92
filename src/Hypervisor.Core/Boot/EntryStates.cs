using System.Buffers.Binary;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The three processor states a boot format enters with, as <see cref="VcpuSpecialRegisters"/> for any
/// accelerator: real mode (flat images, from the reset state), flat 32-bit protected mode (Multiboot)
/// (and Linux's 32-bit boot protocol, with its own selectors) and 64-bit long mode with identity page
/// tables (the Linux 64-bit boot protocol). Every state has
/// the reset state's TR and LDTR and an enabled local APIC (the BSP's when <c>bootstrapProcessor</c>).
/// </summary>
public static class EntryStates
{
    /// <summary>The Multiboot loader's magic value in EAX at the kernel's entry (Multiboot 0.6.96 §3.2).</summary>
    public const uint MultibootBootloaderMagic = 0x2badb002;

    /// <summary>GDTR and IDTR at reset (Intel SDM Vol. 3A §9.1.1); real mode reads the IVT at 0 through it.</summary>
    private static readonly DescriptorTableRegister ResetTable = new() { Base = 0, Limit = 0xffff };

    /// <summary>Real mode with every data segment (DS, ES, FS, GS, SS) at <paramref name="dataSegment"/>.</summary>
    public static VcpuSpecialRegisters RealMode(ushort codeSegment, ushort dataSegment, bool bootstrapProcessor = true) =>
        RealMode(codeSegment, dataSegment, dataSegment, dataSegment, dataSegment, dataSegment, bootstrapProcessor);

    /// <summary>
    /// Real mode: each segment's base is its selector × 16 with a 64 KiB limit; paging and protection
    /// off; GDTR and IDTR as at reset.
    /// </summary>
    public static VcpuSpecialRegisters RealMode(ushort cs, ushort ds, ushort es, ushort fs, ushort gs, ushort ss, bool bootstrapProcessor = true) => new()
    {
        Cs = SegmentRegister.RealMode(cs, code: true),
        Ds = SegmentRegister.RealMode(ds, code: false),
        Es = SegmentRegister.RealMode(es, code: false),
        Fs = SegmentRegister.RealMode(fs, code: false),
        Gs = SegmentRegister.RealMode(gs, code: false),
        Ss = SegmentRegister.RealMode(ss, code: false),
        Tr = TaskRegister(),
        Ldt = LdtRegister(),
        Gdt = ResetTable,
        Idt = ResetTable,
        Cr0 = X86Bits.Cr0ExtensionType,
        ApicBase = ApicBase(bootstrapProcessor),
    };

    /// <summary>
    /// 32-bit protected mode with flat 4 GiB segments and paging off, as Multiboot requires: CS
    /// execute/read (selector 0x08), DS/ES/FS/GS/SS read/write (selector 0x10), an empty IDT. The
    /// <paramref name="gdt"/> should hold matching descriptors (Multiboot's GDTR may also be empty:
    /// the kernel must not reload segments before it installs its own GDT).
    /// </summary>
    public static VcpuSpecialRegisters ProtectedModeFlat(DescriptorTableRegister gdt = default, bool bootstrapProcessor = true)
    {
        var data = FlatSegment(FlatDataSelector, X86Bits.DataReadWriteAccessed, longMode: false);
        return new VcpuSpecialRegisters
        {
            Cs = FlatSegment(FlatCodeSelector, X86Bits.CodeExecuteReadAccessed, longMode: false),
            Ds = data, Es = data, Fs = data, Gs = data, Ss = data,
            Tr = TaskRegister(),
            Ldt = LdtRegister(),
            Gdt = gdt,
            Idt = default,
            Cr0 = X86Bits.Cr0ProtectionEnable | X86Bits.Cr0ExtensionType,
            ApicBase = ApicBase(bootstrapProcessor),
        };
    }

    /// <summary>
    /// 64-bit long mode: writes the GDT (Linux's __BOOT_CS 0x10 and __BOOT_DS 0x18), an empty IDT and
    /// identity page tables into <paramref name="memory"/> at <paramref name="layout"/> (<see cref="LongModeTables"/>),
    /// and returns the system registers that use them: paging, PAE, EFER.LME/LMA. The general registers are the caller's.
    /// </summary>
    public static VcpuSpecialRegisters LongMode(GuestMemory memory, LongModeLayout? layout = null, bool bootstrapProcessor = true)
    {
        var tables = LongModeTables.Write(memory, layout ?? LongModeLayout.Default);
        var data = FlatSegment(LongModeTables.DataSelector, X86Bits.DataReadWriteAccessed, longMode: false);
        return new VcpuSpecialRegisters
        {
            Cs = FlatSegment(LongModeTables.CodeSelector, X86Bits.CodeExecuteReadAccessed, longMode: true),
            Ds = data, Es = data, Fs = data, Gs = data, Ss = data,
            Tr = TaskRegister(LongModeTables.TssSelector),
            Ldt = LdtRegister(),
            Gdt = tables.Gdt,
            Idt = tables.Idt,
            Cr0 = X86Bits.Cr0ProtectionEnable | X86Bits.Cr0ExtensionType | X86Bits.Cr0NumericError | X86Bits.Cr0Paging,
            Cr3 = tables.Pml4,
            Cr4 = X86Bits.Cr4PhysicalAddressExtension,
            Efer = X86Bits.EferLongModeEnable | X86Bits.EferLongModeActive,
            ApicBase = ApicBase(bootstrapProcessor),
        };
    }

    /// <summary>The general registers of a Multiboot entry: EAX = magic, EBX = info structure, ESP, EFLAGS with IF clear.</summary>
    public static VcpuRegisters MultibootRegisters(uint entryPoint, uint multibootInfoAddress, uint stackTop = 0) => new()
    {
        Rax = MultibootBootloaderMagic,
        Rbx = multibootInfoAddress,
        Rsp = stackTop,
        Rip = entryPoint,
        Rflags = X86Bits.RflagsReserved,
    };

    /// <summary>
    /// The Linux 32-bit boot protocol's state: flat protected mode, paging off, with a GDT written at
    /// <paramref name="gdtAddress"/> whose __BOOT_CS (0x10) and __BOOT_DS (0x18) are the loaded segments.
    /// </summary>
    public static VcpuSpecialRegisters LinuxProtectedMode(GuestMemory memory, ulong gdtAddress = 0x500)
    {
        Span<byte> gdt = stackalloc byte[LinuxBootDataSelector + 8];
        gdt.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[LinuxBootCodeSelector..], Code32Descriptor);
        BinaryPrimitives.WriteUInt64LittleEndian(gdt[LinuxBootDataSelector..], Data32Descriptor);
        memory.Write(gdtAddress, gdt);
        var state = ProtectedModeFlat(new DescriptorTableRegister { Base = gdtAddress, Limit = (ushort)(gdt.Length - 1) });
        var data = FlatSegment(LinuxBootDataSelector, X86Bits.DataReadWriteAccessed, longMode: false);
        state.Cs = FlatSegment(LinuxBootCodeSelector, X86Bits.CodeExecuteReadAccessed, longMode: false);
        state.Ds = state.Es = state.Fs = state.Gs = state.Ss = data;
        return state;
    }

    /// <summary>Linux's __BOOT_CS and __BOOT_DS (arch/x86/include/asm/segment.h).</summary>
    public const ushort LinuxBootCodeSelector = 0x10, LinuxBootDataSelector = 0x18;

    private const ulong Code32Descriptor = 0x00cf_9b00_0000_ffff; // P, DPL0, S, execute/read accessed, D=1, G=1
    private const ulong Data32Descriptor = 0x00cf_9300_0000_ffff; // P, DPL0, S, read/write accessed, B=1, G=1

    /// <summary>The flat 32-bit code selector of <see cref="ProtectedModeFlat"/>.</summary>
    public const ushort FlatCodeSelector = 0x08;

    /// <summary>The flat 32-bit data selector of <see cref="ProtectedModeFlat"/>.</summary>
    public const ushort FlatDataSelector = 0x10;

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

    private static SegmentRegister TaskRegister(ushort selector = 0) => new()
    {
        Selector = selector,
        Limit = 0xffff,
        Type = X86Bits.BusyTss,
        Present = true,
    };

    private static SegmentRegister LdtRegister() => new()
    {
        Limit = 0xffff,
        Type = X86Bits.Ldt,
        Present = true,
    };

    private static ulong ApicBase(bool bootstrapProcessor) =>
        X86Bits.ApicBaseEnabled | (bootstrapProcessor ? X86Bits.ApicBaseBootstrapProcessor : 0);
}
