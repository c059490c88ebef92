using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The differential test in 64-bit mode: each program of <see cref="LongModeProgramGenerator"/> runs
/// on two vCPUs, one with the fast path off (the general executor), the other with it on (and,
/// in the translated theory, every block translated, 64-bit code included); after every exit the exit, all sixteen
/// registers, RIP, RFLAGS and the retired count, and at the end memory, must be identical.
/// </summary>
public class LongModeDifferentialTests
{
    private static readonly int Seeds = int.TryParse(Environment.GetEnvironmentVariable("MINIVMM_FUZZ_SEEDS"), out int n) ? n : 40;
    private const ulong CodeAddress = 0x10000;

    [Fact]
    public void Generated_64_bit_programs_run_identically_with_and_without_the_fast_path()
    {
        for (int seed = 0; seed < Seeds; seed++)
            RunBoth(seed, Cpu.TranslationMode.Off);
    }

    [Fact]
    public void Generated_64_bit_programs_run_identically_translated_and_interpreted()
    {
        long entries = 0;
        int seeds = Math.Max(1, Seeds / 4);
        for (int seed = 0; seed < seeds; seed++)
            entries += RunBoth(seed, Cpu.TranslationMode.Always);
        Assert.True(entries > seeds, $"only {entries} translated block entries: 64-bit code did not run translated");
    }

    /// <returns>How often the fast side entered translated code.</returns>
    private static long RunBoth(int seed, Cpu.TranslationMode translation)
    {
        var code = LongModeProgramGenerator.Generate(new Random(seed * 41 + 64), CodeAddress);
        using var fast = Setup(code, fastPath: true);
        fast.Vcpu.Cpu.Translation = translation;
        using var slow = Setup(code, fastPath: false);
        Lockstep.Run(fast, slow, seed, $"seed {seed}", slice: 1700, maxRetired: 15000);
        return fast.Vcpu.Cpu.BlockEntries;
    }

    private static CpuHarness Setup(byte[] code, bool fastPath)
    {
        var h = new CpuHarness((0, 0x100000));
        h.Vcpu.Cpu.FastPathEnabled = fastPath;
        h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Off;
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory));
        h.Load(CodeAddress, code);
        var fill = new byte[0x10000];
        new Random(5).NextBytes(fill);
        h.Load(LongModeProgramGenerator.DataAddress, fill);
        var r = h.Regs;
        r.Rip = CodeAddress;
        r.Rsp = 0x80000;
        r.Rflags = 2;
        ulong p = LongModeProgramGenerator.DataAddress;
        (r.Rsi, r.Rdi, r.R12, r.R13) = (p + 0x100, p + 0x200, p + 0x300, p + 0x400);
        h.Vcpu.SetRegisters(r);
        h.Vcpu.InstructionLimit = 2000;
        return h;
    }
}
