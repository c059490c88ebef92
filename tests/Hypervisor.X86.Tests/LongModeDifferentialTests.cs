using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The differential test in 64-bit mode: each program of <see cref="LongModeProgramGenerator"/> runs
/// on two vCPUs, one with the fast path off (the general executor), the other with it on (and,
/// in the translated theory, every block translated); after every exit the exit, all sixteen
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
        for (int seed = 0; seed < Math.Max(1, Seeds / 10); seed++)
            RunBoth(seed, Cpu.TranslationMode.Always);
    }

    private static void RunBoth(int seed, Cpu.TranslationMode translation)
    {
        var code = LongModeProgramGenerator.Generate(new Random(seed * 41 + 64), CodeAddress);
        using var fast = Setup(code, fastPath: true);
        fast.Vcpu.Cpu.Translation = translation;
        using var slow = Setup(code, fastPath: false);
        var fastData = new Random(seed);
        var slowData = new Random(seed);
        for (int exit = 0; exit < 200; exit++)
        {
            var rf = fast.Run();
            var rs = slow.Run();
            string where = $"seed {seed}, exit {exit}";
            Assert.True(rs == rf, $"{where}: exit {rf} (fast) vs {rs} (general): {fast.Vcpu.Exit.Message} / {slow.Vcpu.Exit.Message}");
            Assert.True(Equal(fast.Regs, slow.Regs), $"{where}: registers differ after {rf}: {Show(fast.Regs)} vs {Show(slow.Regs)}");
            Assert.Equal(slow.Vcpu.InstructionsRetired, fast.Vcpu.InstructionsRetired);
            if (rf == VcpuExitReason.Intr)
            {
                fast.Vcpu.InstructionLimit += 1700;
                slow.Vcpu.InstructionLimit += 1700;
                if (fast.Vcpu.InstructionsRetired > 15000)
                    break;
                continue;
            }
            if (rf is not (VcpuExitReason.Io or VcpuExitReason.Mmio))
            {
                Assert.Equal(slow.Vcpu.Exit.Message, fast.Vcpu.Exit.Message);
                break;
            }
            fastData.NextBytes(fast.Vcpu.Exit.Data);
            slowData.NextBytes(slow.Vcpu.Exit.Data);
        }
        Assert.True(fast.Read(0, 0x100000).AsSpan().SequenceEqual(slow.Read(0, 0x100000)), $"seed {seed}: memory differs");
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

    private static bool Equal(VcpuRegisters a, VcpuRegisters b) =>
        a.Rax == b.Rax && a.Rbx == b.Rbx && a.Rcx == b.Rcx && a.Rdx == b.Rdx && a.Rsi == b.Rsi && a.Rdi == b.Rdi
        && a.Rsp == b.Rsp && a.Rbp == b.Rbp && a.R8 == b.R8 && a.R9 == b.R9 && a.R10 == b.R10 && a.R11 == b.R11
        && a.R12 == b.R12 && a.R13 == b.R13 && a.R14 == b.R14 && a.R15 == b.R15 && a.Rip == b.Rip && a.Rflags == b.Rflags;

    private static string Show(VcpuRegisters r) =>
        $"rax={r.Rax:x} rbx={r.Rbx:x} rcx={r.Rcx:x} rdx={r.Rdx:x} rsi={r.Rsi:x} rdi={r.Rdi:x} rsp={r.Rsp:x} rbp={r.Rbp:x} "
        + $"r8={r.R8:x} r9={r.R9:x} r10={r.R10:x} r11={r.R11:x} r12={r.R12:x} r13={r.R13:x} r14={r.R14:x} r15={r.R15:x} rip={r.Rip:x} fl={r.Rflags:x}";
}
