using Hypervisor.Core.Accel;
using Hypervisor.Core.Machine;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Boot;

/// <summary>
/// <c>"format": "flat"</c>: copies a raw image to a guest physical address and starts the vCPU in real
/// mode with the machine file's register values (the seed guests: CS 0, RIP 0x1000; ROM guests: CS
/// 0xF000, RIP 0xFFF0). Data segments default to CS, as for a .COM program.
/// </summary>
public sealed class FlatImageLoader : IBootLoader
{
    public string Format => "flat";

    public BootState Load(BootConfig boot, GuestMemory memory, BootPlatform? platform = null)
    {
        string path = boot.Image ?? throw new BootImageException("boot.image: no image given");
        byte[] image;
        try
        {
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BootImageException($"cannot read image '{path}': {e.Message}");
        }
        if (!memory.IsRam(boot.LoadAddress, (ulong)image.Length))
            throw new BootImageException(
                $"image '{path}' ({image.Length} bytes) at 0x{boot.LoadAddress:x} does not fit in guest RAM");
        memory.Write(boot.LoadAddress, image);
        return RealModeEntry(boot.Entry) with { Loaded = [new LoadedRegion("image", boot.LoadAddress, (ulong)image.Length)] };
    }

    /// <summary>The real-mode entry state from named register values (cs, ds … rip, rsp, rflags, rax …); absent ones are 0, data segments CS.</summary>
    public static BootState RealModeEntry(IReadOnlyDictionary<string, ulong> entry)
    {
        ushort Selector(string name, ushort fallback) => entry.TryGetValue(name, out ulong v) ? (ushort)v : fallback;
        ulong Value(string name, ulong fallback = 0) => entry.TryGetValue(name, out ulong v) ? v : fallback;

        ushort cs = Selector("cs", 0);
        var special = EntryStates.RealMode(cs,
            ds: Selector("ds", cs), es: Selector("es", cs), fs: Selector("fs", cs), gs: Selector("gs", cs), ss: Selector("ss", cs));
        var registers = new VcpuRegisters
        {
            Rip = Value("rip"),
            Rsp = Value("rsp"),
            Rflags = Value("rflags") | X86Bits.RflagsReserved,
            Rax = Value("rax"),
            Rbx = Value("rbx"),
            Rcx = Value("rcx"),
            Rdx = Value("rdx"),
            Rsi = Value("rsi"),
            Rdi = Value("rdi"),
            Rbp = Value("rbp"),
        };
        return new BootState(registers, special);
    }
}
