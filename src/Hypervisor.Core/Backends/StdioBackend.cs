using Hypervisor.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace Hypervisor.Core.Backends;

/// <summary>
/// The process's standard output and input. Guest output goes to stdout (never mixed with logs,
/// which go to stderr); writes from every device naming it are serialised, and reach stdout through
/// an <see cref="OutputPump"/> so a stalled reader never blocks a stop (<see cref="AbandonOutput"/>).
/// Input is read only once a device subscribes to <see cref="InputAvailable"/> (a UART does,
/// debugcon does not). When stdin is a terminal it is put in raw mode (see <see cref="TerminalMode"/>),
/// Ctrl-C goes to the guest, and QEMU's escapes apply: Ctrl-A X quits (<see cref="QuitRequested"/>),
/// Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A H helps; <see cref="EscapeFilter.StartHint"/> says so once on stderr.
/// </summary>
public sealed class StdioBackend : ICharBackend, IAbandonableOutput
{
    public static readonly StdioBackend Shared = new();

    private const int StdoutFileDescriptor = 1;

    // Not Console.OpenStandardOutput(): its writes hold a lock Console.Error's take too, so a write
    // stuck on a full pipe would silence every message on stderr.
    private readonly OutputPump _out = new(OpenStdout(), "stdio output");
    private readonly object _inputLock = new();
    private readonly InputQueue _input = new();
    private Action? _inputAvailable;
    private Thread? _pump;
    private long _firstOutputTicks;

    private StdioBackend() => HostOutputs.Add(this);

    /// <summary>
    /// Raised on the stdin thread when the user types Ctrl-A X. The core stops the VM. When nothing
    /// handles it, the terminal is restored and the process exits with code 0.
    /// </summary>
    public event Action? QuitRequested;

    public event Action? InputAvailable
    {
        add
        {
            lock (_inputLock)
            {
                _inputAvailable += value;
                StartReadingInput();
            }
        }
        remove
        {
            lock (_inputLock)
                _inputAvailable -= value;
        }
    }

    /// <summary>Restores the terminal if raw mode is on: the core calls it on every exit path.</summary>
    public static void RestoreTerminal() => TerminalMode.Restore();

    /// <summary>
    /// When the guest first wrote to standard output (<see cref="DateTime.UtcNow"/>), or null: minivmm's
    /// <c>--stats</c> reports it as the time from start to the first serial byte.
    /// </summary>
    public DateTime? FirstOutputAt => Interlocked.Read(ref _firstOutputTicks) is > 0 and long ticks ? new DateTime(ticks, DateTimeKind.Utc) : null;

    public void Write(ReadOnlySpan<byte> data)
    {
        if (Volatile.Read(ref _firstOutputTicks) == 0)
            Interlocked.CompareExchange(ref _firstOutputTicks, DateTime.UtcNow.Ticks, 0);
        _out.Write(data);
    }

    public bool TryRead(out byte value) => _input.TryTake(out value);

    public void Flush() => _out.Flush();

    /// <summary>
    /// Drops output not yet written and releases every writer and flush waiting on stdout; later
    /// output is dropped too. For a stop (SIGINT, SIGTERM) that a reader who stopped reading would
    /// otherwise hold up for ever.
    /// </summary>
    public void AbandonOutput() => _out.Abandon();

    // Standard output outlives any one device.
    public void Dispose() => Flush();

    private static Stream OpenStdout()
    {
        try
        {
            // write(2), not a FileStream: its own offset would let the shell's next write overwrite
            // guest output redirected to a file.
            if (!OperatingSystem.IsWindows())
                return new DescriptorWriteStream(StdoutFileDescriptor);
            return new FileStream(new SafeFileHandle(StdoutFileDescriptor, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return Stream.Null; // started with stdout closed: guest output has nowhere to go
        }
    }

    private void StartReadingInput()
    {
        if (_pump is not null)
            return;
        bool raw = TerminalMode.TryEnterRaw();
        if (raw)
            Console.Error.Write(EscapeFilter.StartHint);
        _pump = new Thread(() => PumpInput(raw)) { IsBackground = true, Name = "stdio input" };
        _pump.Start();
    }

    private void PumpInput(bool raw)
    {
        // Not Console.OpenStandardInput(): on a terminal it emulates line editing and echo.
        using var stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, bufferSize: 0);
        var filter = raw ? new EscapeFilter() : null;
        var buffer = new byte[256];
        var forwarded = new byte[buffer.Length];
        try
        {
            int n;
            while ((n = stdin.Read(buffer)) > 0)
            {
                bool quit = false;
                int count = filter is null ? Copy(buffer, n, forwarded) : Filter(filter, buffer, n, forwarded, out quit);
                if (count > 0)
                {
                    _input.Add(forwarded.AsSpan(0, count));
                    Action? handlers;
                    lock (_inputLock)
                        handlers = _inputAvailable;
                    handlers?.Invoke();
                }
                if (quit)
                {
                    // What was typed before Ctrl-A X has been delivered; stop reading.
                    OnQuit();
                    return;
                }
            }
        }
        catch (IOException)
        {
            // stdin went away: no more input, output carries on.
        }
    }

    private static int Copy(byte[] from, int n, byte[] to)
    {
        Array.Copy(from, to, n);
        return n;
    }

    private static int Filter(EscapeFilter filter, byte[] typed, int n, byte[] forwarded, out bool quit)
    {
        int count = 0;
        quit = false;
        for (int i = 0; i < n && !quit; i++)
        {
            switch (filter.Process(typed[i]))
            {
                case EscapeAction.Forward:
                    forwarded[count++] = filter.Output;
                    break;
                case EscapeAction.Help:
                    Console.Error.Write(EscapeFilter.HelpText);
                    break;
                case EscapeAction.Quit:
                    quit = true;
                    break;
            }
        }
        return count;
    }

    private void OnQuit()
    {
        Action? quit = QuitRequested;
        if (quit is not null)
        {
            quit();
            return;
        }
        Flush();
        TerminalMode.Restore();
        Environment.Exit(0);
    }
}
