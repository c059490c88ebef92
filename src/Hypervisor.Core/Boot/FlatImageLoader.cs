using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// Copies a raw image to a guest physical address and starts the vCPU in real mode with the
/// machine file's register values (the seed guests: CS 0, RIP 0x1000; ROM guests: CS 0xF000,
/// RIP 0xFFF0). Data segments default to CS, as for a .COM program.
/// </summary>
public static class FlatImageLoader
{
    public static BootState Load(BootConfig boot, GuestMemory memory)
    {
        byte[] image;
        try
        {
            image = File.ReadAllBytes(boot.Image!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootImageException($"cannot read image '{boot.Image}': {e.Message}");
        }
        if (!memory.IsRam(boot.LoadAddress, (ulong)image.Length))
            throw new BootImageException(
                $"image '{boot.Image}' ({image.Length} bytes) at 0x{boot.LoadAddress:x} does not fit in guest RAM");
        memory.Write(boot.LoadAddress, image);
        return RealModeEntry(boot.Entry);
    }

    /// <summary>Real-mode entry state from named register values.</summary>
    public static BootState RealModeEntry(IReadOnlyDictionary<string, ulong> entry)
    {
        ushort Selector(string name, ushort fallback) => entry.TryGetValue(name, out ulong v) ? (ushort)v : fallback;
        ulong Value(string name, ulong fallback = 0) => entry.TryGetValue(name, out ulong v) ? v : fallback;

        ushort cs = Selector("cs", 0);
        var state = new BootState();
        state.SpecialRegisters.Cs = SegmentRegister.RealMode(cs, code: true);
        state.SpecialRegisters.Ds = SegmentRegister.RealMode(Selector("ds", cs), code: false);
        state.SpecialRegisters.Es = SegmentRegister.RealMode(Selector("es", cs), code: false);
        state.SpecialRegisters.Fs = SegmentRegister.RealMode(Selector("fs", cs), code: false);
        state.SpecialRegisters.Gs = SegmentRegister.RealMode(Selector("gs", cs), code: false);
        state.SpecialRegisters.Ss = SegmentRegister.RealMode(Selector("ss", cs), code: false);
        state.SpecialRegisters.Tr = new SegmentRegister { Limit = 0xffff, Type = 0xb, Present = true };
        state.SpecialRegisters.Ldt = new SegmentRegister { Limit = 0xffff, Type = 0x2, Present = true };
        state.SpecialRegisters.Gdt = new DescriptorTableRegister { Limit = 0xffff };
        state.SpecialRegisters.Idt = new DescriptorTableRegister { Limit = 0xffff }; // the reset state (SDM 9.1.1); real mode uses the IVT at 0
        state.SpecialRegisters.Cr0 = 0x10; // ET: an x87 is present; PE off.
        state.Registers = new VcpuRegisters
        {
            Rip = Value("rip"),
            Rsp = Value("rsp"),
            Rflags = Value("rflags", 0x2) | 0x2, // bit 1 is reserved and always set
            Rax = Value("rax"),
            Rbx = Value("rbx"),
            Rcx = Value("rcx"),
            Rdx = Value("rdx"),
            Rsi = Value("rsi"),
            Rdi = Value("rdi"),
            Rbp = Value("rbp"),
        };
        return state;
    }
}
