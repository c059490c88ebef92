using System.CommandLine;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Debug;
using Hypervisor.Core.Runtime;
using Serilog;

namespace MiniVmm.Commands;

/// <summary>
/// The run command's debugging options: the gdb stub (<c>--gdb</c>, <c>--gdb-wait</c>, like QEMU's
/// -gdb and -S) and traces (<c>--trace</c>, <c>--trace-file</c>, <c>--trace-range</c>, like -d, -D, -dfilter).
/// </summary>
internal sealed class DebugOptions
{
    private const string DefaultGdb = "tcp:127.0.0.1:1234";

    private readonly Option<string?> _gdb = new("--gdb") { Description = $"Listen for gdb (target remote) at {GdbEndpoint.Syntax}; port 0 picks a free one" };
    private readonly Option<bool> _gdbWait = new("--gdb-wait") { Description = $"Start halted until gdb connects and continues (with no --gdb: {DefaultGdb})" };
    private readonly Option<string?> _trace = new("--trace") { Description = $"Trace these, comma-separated: {TraceOptions.Known}" };
    private readonly Option<FileInfo?> _traceFile = CliValues.WritableFile("--trace-file", "Write the trace to this file (replaced) instead of stderr");
    private readonly Option<string?> _traceRange = new("--trace-range") { Description = "Trace instructions and interrupts only at these addresses: START..LAST or START+LENGTH, comma-separated" };

    private GdbEndpoint? _endpoint;
    private TraceCategories _categories;
    private IReadOnlyList<(ulong, ulong)>? _ranges;

    public IEnumerable<Option> All => [_gdb, _gdbWait, _trace, _traceFile, _traceRange];

    /// <summary>Checks the values before anything is built; the problem, or null.</summary>
    public string? Validate(ParseResult parse)
    {
        try
        {
            string? gdb = parse.GetValue(_gdb) ?? (parse.GetValue(_gdbWait) ? DefaultGdb : null);
            _endpoint = gdb == null ? null : GdbEndpoint.Parse(gdb);
        }
        catch (FormatException e)
        {
            return $"--gdb: {e.Message}";
        }
        try
        {
            _categories = parse.GetValue(_trace) is { } trace ? TraceOptions.ParseCategories(trace) : TraceCategories.None;
            _ranges = parse.GetValue(_traceRange) is { } range ? TraceOptions.ParseRanges(range) : null;
        }
        catch (FormatException e)
        {
            return $"--trace: {e.Message}";
        }
        if (_categories == TraceCategories.None && (parse.GetValue(_traceFile) != null || _ranges != null))
            return "--trace-file and --trace-range need --trace CATEGORIES";
        return null;
    }

    /// <summary>
    /// Attaches the stub and the trace to a built machine; the problem (exit code 2 or 4 with its
    /// message) when the machine cannot take them.
    /// </summary>
    public DebugSession Attach(ParseResult parse, Vmm vmm, ILogger logger, out (int ExitCode, string Message)? problem)
    {
        problem = null;
        var session = new DebugSession();
        if (_categories != TraceCategories.None)
            session.Trace = AttachTrace(parse, vmm, logger);
        if (_endpoint == null)
            return session;
        if (vmm.Vcpus.Any(loop => loop.Debugger != null))
        {
            problem = (ExitCodes.BadConfiguration, "--gdb and --trace in_asm or exec on KVM both need the vCPU's debug exits; use one at a time");
            return session;
        }
        if (vmm.Vcpus.Count > 1)
        {
            problem = (ExitCodes.BadConfiguration, $"--gdb: the machine has {vmm.Vcpus.Count} vCPUs; the gdb stub debugs machines with one (vcpus: 1)");
            return session;
        }
        if (vmm.Vcpus[0].Vcpu is not IVcpuDebug)
        {
            problem = (ExitCodes.LoadFailure, "--gdb: this accelerator's vCPUs cannot be debugged");
            return session;
        }
        bool wait = parse.GetValue(_gdbWait);
        try
        {
            session.Gdb = new GdbStub(_endpoint, wait, vmm.Memory, vmm.Control, logger);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            problem = (ExitCodes.BadConfiguration, $"--gdb: cannot listen on {_endpoint.Address}:{_endpoint.Port}: {e.Message}");
            return session;
        }
        vmm.Vcpus[0].Debugger = session.Gdb;
        var at = session.Gdb.LocalEndPoint;
        Console.Error.WriteLine(wait
            ? $"minivmm: waiting for gdb on tcp:{at.Address}:{at.Port} (gdb: target remote {at.Address}:{at.Port})"
            : $"minivmm: gdb stub on tcp:{at.Address}:{at.Port}");
        return session;
    }

    private TraceLog AttachTrace(ParseResult parse, Vmm vmm, ILogger logger)
    {
        var file = parse.GetValue(_traceFile);
        var writer = file == null ? Console.Error : new StreamWriter(file.FullName, append: false) { AutoFlush = false };
        var trace = new TraceLog(_categories, writer, ownsWriter: file != null, _ranges);
        bool cpuParts = trace.Instructions || trace.Interrupts;
        foreach (var loop in vmm.Vcpus)
        {
            if ((_categories & (TraceCategories.Exits | TraceCategories.Io | TraceCategories.CpuReset)) != 0)
                loop.Trace = trace;
            if (cpuParts && loop.Vcpu is IVcpuTrace cpu)
            {
                cpu.SetTrace(trace);
                continue;
            }
            if (trace.Instructions && loop.Vcpu is IVcpuDebug)
                loop.Debugger = new SingleStepTrace(trace, vmm.Memory); // KVM: one debug exit per instruction
            if (trace.Interrupts)
                logger.Warning("--trace int needs the soft accelerator (KVM delivers interrupts itself); vcpu{Id} traces the rest", loop.Vcpu.Id);
        }
        return trace;
    }
}

/// <summary>What the debugging options attached to a run: closed after it.</summary>
internal sealed class DebugSession : IDisposable
{
    public GdbStub? Gdb { get; set; }

    public TraceLog? Trace { get; set; }

    /// <summary>The machine stopped: gdb hears the exit code, the trace is flushed.</summary>
    public void MachineStopped(int exitCode) => Gdb?.MachineStopped(exitCode);

    public void Dispose()
    {
        Gdb?.Dispose();
        Trace?.Dispose();
    }
}
