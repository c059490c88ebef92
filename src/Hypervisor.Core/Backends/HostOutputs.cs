namespace Hypervisor.Core.Backends;

/// <summary>A host output a writer can be stuck on (a pipe or a socket whose reader stopped reading).</summary>
internal interface IAbandonableOutput
{
    /// <summary>Releases every writer waiting on it and drops output from now on.</summary>
    void AbandonOutput();
}

/// <summary>
/// Every open host output a stop must be able to release. On SIGINT/SIGTERM the command gives guest
/// output a moment to drain, then abandons them all: termination never waits on a reader.
/// </summary>
public static class HostOutputs
{
    private static readonly object Lock = new();
    private static readonly HashSet<IAbandonableOutput> Open = [];

    /// <summary>Releases writers stuck on standard output or a socket client, dropping what they were writing.</summary>
    public static void AbandonAll()
    {
        IAbandonableOutput[] outputs;
        lock (Lock)
            outputs = [.. Open];
        foreach (var output in outputs)
            output.AbandonOutput();
    }

    internal static void Add(IAbandonableOutput output)
    {
        lock (Lock)
            Open.Add(output);
    }

    internal static void Remove(IAbandonableOutput output)
    {
        lock (Lock)
            Open.Remove(output);
    }
}
