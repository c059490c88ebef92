using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The differential tests' lockstep run: the same guest on two vCPUs (one with the fast path or
/// translation, one with the general executor) run exit by exit; after every exit the exit, all
/// sixteen registers, RIP, RFLAGS, the retired count and the port/MMIO address must agree, I/O
/// reads get the same random data on both sides, and at the end all of memory must agree.
/// </summary>
internal static class Lockstep
{
    /// <param name="slice">Instructions added to both limits each time the limit stops them (so limits land inside blocks too).</param>
    /// <param name="maxRetired">Where a program that keeps looping is cut.</param>
    public static void Run(CpuHarness fast, CpuHarness slow, int seed, string label, ulong slice, ulong maxRetired)
    {
        var fastData = new Random(seed);
        var slowData = new Random(seed);
        for (int exit = 0; exit < 200; exit++)
        {
            var rf = fast.Run();
            var rs = slow.Run();
            string where = $"{label}, exit {exit}";
            Assert.True(rs == rf, $"{where}: exit {rf} (fast) vs {rs} (general): {fast.Vcpu.Exit.Message} / {slow.Vcpu.Exit.Message}");
            Assert.True(SameRegisters(fast.Regs, slow.Regs), $"{where}: registers differ after {rf}:\n{Show(fast.Regs)}\nvs\n{Show(slow.Regs)}");
            Assert.Equal(slow.Vcpu.InstructionsRetired, fast.Vcpu.InstructionsRetired);
            if (rf == VcpuExitReason.Intr)
            {
                fast.Vcpu.InstructionLimit += slice;
                slow.Vcpu.InstructionLimit += slice;
                if (fast.Vcpu.InstructionsRetired > maxRetired)
                    break;
                continue;
            }
            if (rf is not (VcpuExitReason.Io or VcpuExitReason.Mmio))
            {
                Assert.Equal(slow.Vcpu.Exit.Message, fast.Vcpu.Exit.Message);
                break;
            }
            Assert.Equal(slow.Vcpu.Exit.IoPort, fast.Vcpu.Exit.IoPort);
            Assert.Equal(slow.Vcpu.Exit.MmioAddress, fast.Vcpu.Exit.MmioAddress);
            fastData.NextBytes(fast.Vcpu.Exit.Data);
            slowData.NextBytes(slow.Vcpu.Exit.Data);
        }
        Assert.True(fast.Read(0, 0x100000).AsSpan().SequenceEqual(slow.Read(0, 0x100000)), $"{label}: memory differs");
    }

    public static bool SameRegisters(VcpuRegisters a, VcpuRegisters b) =>
        a.Rax == b.Rax && a.Rbx == b.Rbx && a.Rcx == b.Rcx && a.Rdx == b.Rdx && a.Rsi == b.Rsi && a.Rdi == b.Rdi
        && a.Rsp == b.Rsp && a.Rbp == b.Rbp && a.R8 == b.R8 && a.R9 == b.R9 && a.R10 == b.R10 && a.R11 == b.R11
        && a.R12 == b.R12 && a.R13 == b.R13 && a.R14 == b.R14 && a.R15 == b.R15 && a.Rip == b.Rip && a.Rflags == b.Rflags;

    public static string Show(VcpuRegisters r) =>
        $"rax={r.Rax:x} rbx={r.Rbx:x} rcx={r.Rcx:x} rdx={r.Rdx:x} rsi={r.Rsi:x} rdi={r.Rdi:x} rsp={r.Rsp:x} rbp={r.Rbp:x} "
        + $"r8={r.R8:x} r9={r.R9:x} r10={r.R10:x} r11={r.R11:x} r12={r.R12:x} r13={r.R13:x} r14={r.R14:x} r15={r.R15:x} rip={r.Rip:x} fl={r.Rflags:x}";
}
