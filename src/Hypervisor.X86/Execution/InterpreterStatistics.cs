using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// With MINIVMM_INTERP_STATS=1: how often each encoding (Iced's <see cref="Code"/>, e.g.
/// Mov_r64_rm64) ran through the general executor instead of a fast form, printed to stderr at exit.
/// It shows which forms to make fast next. Off, it costs one folded static check per general-path
/// instruction.
/// </summary>
internal static class InterpreterStatistics
{
    internal static readonly bool Enabled = Environment.GetEnvironmentVariable("MINIVMM_INTERP_STATS") == "1";

    private static readonly long[] General = new long[Enum.GetValues<Code>().Length];

    internal static void RecordGeneral(in Instruction i) => Interlocked.Increment(ref General[(int)i.Code]);

    static InterpreterStatistics()
    {
        if (!Enabled)
            return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            long total = General.Sum();
            var top = General.Select((n, code) => (n, code)).Where(p => p.n > 0).OrderByDescending(p => p.n).Take(60);
            Console.Error.WriteLine($"interpreter: {total} instructions through the general executor; by encoding:");
            foreach (var (n, code) in top)
                Console.Error.WriteLine($"  {(Code)code,-40} {n,12} {100.0 * n / total,5:F1}%");
        };
    }
}
