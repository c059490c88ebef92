using System.Collections.Concurrent;

namespace Hypervisor.X86.Translation;

/// <summary>
/// Compiles hot blocks on a thread of its own, so the vCPU keeps interpreting while RyuJIT works (a
/// block costs about a millisecond of JIT time, the time to interpret some 100,000 instructions).
/// The compiled method is called once with a null code array, which returns at once, so it is
/// jitted here and not on the vCPU's first entry.
/// </summary>
internal static class BackgroundCompiler
{
    private readonly record struct Job(TranslatedBlock Block, ScannedBlock Scan, bool Stack32, bool SegmentChecks);

    private static readonly BlockingCollection<Job> Jobs = [];

    static BackgroundCompiler()
    {
        new Thread(Run) { IsBackground = true, Name = "block compiler", Priority = ThreadPriority.BelowNormal }.Start();
    }

    public static void Enqueue(TranslatedBlock block, ScannedBlock scan, bool stack32, bool segmentChecks) =>
        Jobs.Add(new Job(block, scan, stack32, segmentChecks));

    private static void Run()
    {
        foreach (var job in Jobs.GetConsumingEnumerable())
        {
            if (!job.Block.Valid)
                continue; // its code changed while it waited
            BlockCompiler.CompileInto(job.Block, job.Scan, job.Stack32, job.SegmentChecks);
        }
    }
}
