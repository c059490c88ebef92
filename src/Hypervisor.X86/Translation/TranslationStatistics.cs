namespace Hypervisor.X86.Translation;

/// <summary>Process-wide translator counters: blocks compiled, their instructions and the time spent compiling.</summary>
public static class TranslationStatistics
{
    private static long _blocks, _instructions, _ticks;

    public static long Blocks => Interlocked.Read(ref _blocks);
    public static long Instructions => Interlocked.Read(ref _instructions);
    public static TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    internal static void Record(int instructions, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _blocks);
        Interlocked.Add(ref _instructions, instructions);
        Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    static TranslationStatistics()
    {
        if (Environment.GetEnvironmentVariable("MINIVMM_TRANSLATE_STATS") == "1")
            AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                Console.Error.WriteLine($"translator: {Blocks} blocks, {Instructions} instructions, compiled in {CompileTime.TotalMilliseconds:F0} ms");
    }
}
