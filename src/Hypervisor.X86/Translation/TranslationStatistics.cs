using System.Collections.Concurrent;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Process-wide translator counters: blocks compiled, their instructions and the time spent compiling;
/// with MINIVMM_TRANSLATE_STATS=1 also where translated code spends its time (block entries,
/// instructions retired inside blocks, instructions a block hands to the interpreter, by mnemonic,
/// and why block starts stay interpreted), printed at exit.
/// </summary>
public static class TranslationStatistics
{
    /// <summary>The detailed counters are on (a static readonly the JIT folds: free when off).</summary>
    internal static readonly bool Detailed = Environment.GetEnvironmentVariable("MINIVMM_TRANSLATE_STATS") == "1";

    private static long _blocks, _instructions, _ticks;
    private static long _entries, _retiredInBlocks;
    private static readonly ConcurrentDictionary<string, long> Interpreted = new();
    private static readonly ConcurrentDictionary<string, long> Refused = new();

    public static long Blocks => Interlocked.Read(ref _blocks);
    public static long Instructions => Interlocked.Read(ref _instructions);
    public static TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref _ticks));

    internal static void Record(int instructions, TimeSpan elapsed)
    {
        Interlocked.Increment(ref _blocks);
        Interlocked.Add(ref _instructions, instructions);
        Interlocked.Add(ref _ticks, elapsed.Ticks);
    }

    private static long _jitTicks;

    /// <summary>The part of a compile RyuJIT took (the warm-up call).</summary>
    internal static void RecordJit(TimeSpan elapsed) => Interlocked.Add(ref _jitTicks, elapsed.Ticks);

    internal static void RecordEntry(ulong retired)
    {
        Interlocked.Increment(ref _entries);
        Interlocked.Add(ref _retiredInBlocks, (long)retired);
    }

    internal static void RecordInterpreted(string what) => Interpreted.AddOrUpdate(what, 1, (_, n) => n + 1);

    private static readonly long[] SlowCalls = new long[16];
    private static readonly string[] SlowCallNames = ["read8", "read16", "read32", "write8", "write16", "write32", "read-modify-write", "interpret", "check-target"];

    internal static void RecordSlowCall(int call) => Interlocked.Increment(ref SlowCalls[call]);

    internal static void RecordRefused(string why) => Refused.AddOrUpdate(why, 1, (_, n) => n + 1);

    private static string Top(ConcurrentDictionary<string, long> counts) =>
        string.Join(", ", counts.OrderByDescending(p => p.Value).Take(25).Select(p => $"{p.Key} {p.Value}"));

    static TranslationStatistics()
    {
        if (!Detailed)
            return;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Console.Error.WriteLine($"translator: {Blocks} blocks, {Instructions} instructions, compiled in {CompileTime.TotalMilliseconds:F0} ms ({TimeSpan.FromTicks(Interlocked.Read(ref _jitTicks)).TotalMilliseconds:F0} ms of it RyuJIT)");
            long entries = Interlocked.Read(ref _entries), retired = Interlocked.Read(ref _retiredInBlocks);
            Console.Error.WriteLine($"translator: {entries} block entries, {retired} instructions retired in blocks ({(entries == 0 ? 0 : (double)retired / entries):F1} per entry)");
            Console.Error.WriteLine($"translator: slow-path calls: {string.Join(", ", SlowCallNames.Select((n, i) => $"{n} {SlowCalls[i]}"))}");
            Console.Error.WriteLine($"translator: interpreted inside blocks: {Top(Interpreted)}");
            Console.Error.WriteLine($"translator: block starts not run translated: {Top(Refused)}");
        };
    }
}
