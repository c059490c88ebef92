using Hypervisor.Core.Accel;
using Iced.Intel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Every one- and two-byte opcode, with a register and a memory ModRM for each /digit, decoded in
/// 16-bit real mode and 32-bit protected mode: none may end in "unimplemented instruction". An
/// instruction our CPUID does not advertise must raise #UD (as the CPU does), anything a Pentium
/// Pro has must run (checked in real mode, where #UD goes through the IVT). Each distinct Iced
/// code runs once per mode.
/// </summary>
public class OpcodeSweepTests
{
    private static readonly HashSet<byte> Prefixes = [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x0F];

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    public void No_opcode_is_left_unimplemented(int bitness)
    {
        var problems = new List<string>();
        var seen = new HashSet<Code>();
        foreach (var bytes in Candidates())
        {
            var instr = Decoder.Create(bitness, new ByteArrayCodeReader(bytes)).Decode();
            if (instr.Code == Code.INVALID || !seen.Add(instr.Code))
                continue;
            var code = bytes.AsSpan(0, instr.Length).ToArray();
            var (reason, message) = Execute(bitness, code);
            if (bitness == 16 && message == Ud && OnPentiumPro(in instr))
                problems.Add($"{string.Join(" ", code.Select(b => b.ToString("X2")))}: {instr} raised #UD, a Pentium Pro runs it");
            if (reason == VcpuExitReason.InternalError && message != null && message.Contains("unimplemented"))
                problems.Add($"{string.Join(" ", code.Select(b => b.ToString("X2")))}: {instr} ({string.Join(",", instr.CpuidFeatures)}) {message}");
        }
        Assert.True(problems.Count == 0, $"{problems.Count} unimplemented:\n" + string.Join('\n', problems));
    }

    private const string Ud = "#UD";

    /// <summary>What a Pentium Pro has (besides the 8086-486 base): x87, CPUID, TSC, MSRs, CMPXCHG8B, CMOV, RDPMC, multi-byte NOPs; plus the FXSR we advertise.</summary>
    private static readonly HashSet<CpuidFeature> PentiumPro =
    [
        CpuidFeature.INTEL8086, CpuidFeature.INTEL186, CpuidFeature.INTEL286, CpuidFeature.INTEL386, CpuidFeature.INTEL486,
        CpuidFeature.FPU, CpuidFeature.FPU287, CpuidFeature.FPU387, CpuidFeature.CPUID, CpuidFeature.TSC,
        CpuidFeature.MSR, CpuidFeature.CX8, CpuidFeature.CMOV, CpuidFeature.RDPMC, CpuidFeature.FXSR,
    ];

    /// <summary>
    /// True for an instruction a Pentium Pro executes in real mode: its features are all P6 ones,
    /// it is not protected-mode only (ARPL, LAR, LSL, LLDT, SLDT, LTR, STR, VERR, VERW), not an intended #UD (UD0-UD2), not
    /// RSM (outside SMM), and not 0F 0D (AMD's PREFETCH group).
    /// </summary>
    private static bool OnPentiumPro(in Instruction instr) =>
        instr.CpuidFeatures.All(PentiumPro.Contains)
        && instr.Mnemonic is not (Mnemonic.Ud0 or Mnemonic.Ud1 or Mnemonic.Ud2 or Mnemonic.Rsm
            or Mnemonic.Arpl or Mnemonic.Lar or Mnemonic.Lsl or Mnemonic.Lldt or Mnemonic.Sldt
            or Mnemonic.Ltr or Mnemonic.Str or Mnemonic.Verr or Mnemonic.Verw)
        && !instr.Code.ToString().EndsWith("_0F0D");

    private static IEnumerable<byte[]> Candidates()
    {
        byte[] tail = [0x00, 0x30, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00];
        for (int op = 0; op < 256; op++)
        {
            if (Prefixes.Contains((byte)op) || op is >= 0xD8 and <= 0xDF)
                continue;
            foreach (var rest in ModRmForms())
                yield return [(byte)op, .. rest, .. tail];
        }
        for (int op = 0; op < 256; op++)
        {
            foreach (var rest in ModRmForms())
                yield return [0x0F, (byte)op, .. rest, .. tail];
        }
    }

    /// <summary>Each /digit as a register form and as a [disp] memory form (the 16- and 32-bit encodings).</summary>
    private static IEnumerable<byte[]> ModRmForms()
    {
        for (int reg = 0; reg < 8; reg++)
        {
            yield return [(byte)(0xC0 | reg << 3 | 1)];
            yield return [(byte)(reg << 3 | 0x06)];
            yield return [(byte)(reg << 3 | 0x05)];
        }
    }

    /// <summary>Runs one instruction then HLT; every real-mode vector goes to a HLT.</summary>
    private static (VcpuExitReason Reason, string? Message) Execute(int bitness, byte[] instruction)
    {
        using var h = new CpuHarness((0, 0x20000));
        h.Vcpu.InstructionLimit = 100;
        h.Load(0x9000, [0xF4]);
        for (int v = 0; v < 256; v++)
            h.Load((ulong)(4 * v), BitConverter.GetBytes(0x00009000u));
        h.Load(0x1000, [.. instruction, 0xF4]);
        if (bitness == 16)
            h.SetRealMode(0, 0x1000, 0, 0x7000);
        else
            h.SetFlatProtectedMode(0x1000, 0x8000);
        h.Load(6 * 4, BitConverter.GetBytes(0x00009100u));
        h.Load(0x9100, [0xF4]);
        var reason = h.Run();
        if (reason == VcpuExitReason.Hlt && h.Regs.Rip == 0x9101)
            return (reason, Ud);
        return (reason, h.Vcpu.Exit.Message);
    }
}
