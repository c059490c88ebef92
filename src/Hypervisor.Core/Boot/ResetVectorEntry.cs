using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The processor's power-on state (SDM Vol. 3, 9.1.1), where firmware starts: real mode with
/// CS = 0xF000 but CS.base = 0xFFFF0000, so the first fetch is at 0xFFFFFFF0, the top of the
/// firmware ROM; EDX holds the CPU signature.
/// </summary>
public static class ResetVectorEntry
{
    public const ushort CodeSelector = 0xF000;
    public const ulong CodeBase = 0xFFFF_0000;
    public const ulong Ip = 0xFFF0;

    /// <summary>The CPUID leaf 1 signature the software CPU reports (family 6, model 26, stepping 5: the Core i7-920 of ProcessorModel.CpuSignature).</summary>
    public const ulong ProcessorSignature = 0x106A5;

    public static BootState State()
    {
        var state = FlatImageLoader.RealModeEntry(new Dictionary<string, ulong>
        {
            ["cs"] = CodeSelector, ["ds"] = 0, ["es"] = 0, ["fs"] = 0, ["gs"] = 0, ["ss"] = 0,
            ["rip"] = Ip, ["rdx"] = ProcessorSignature,
        });
        var special = state.SpecialRegisters;
        special.Cs.Base = CodeBase;
        special.Idt = new DescriptorTableRegister { Limit = 0xffff };
        return state with { SpecialRegisters = special };
    }
}
