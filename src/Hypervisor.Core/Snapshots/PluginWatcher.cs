using System.Security.Cryptography;
using Hypervisor.Core.Runtime;
using Serilog;

namespace Hypervisor.Core.Snapshots;

/// <summary>
/// <c>--watch-plugins</c>: watches the folder of every device's plugin assembly and, when an assembly
/// is rebuilt (written, or written beside and renamed over it), swaps it into every device it
/// provides as the monitor's <c>swap NAME</c> does (<see cref="DeviceSwap"/>). Events are debounced:
/// a swap starts once the file has been quiet for <see cref="Quiet"/>, and only when its bytes differ
/// from the build last seen. A build that cannot be swapped in (it does not load, lacks the device,
/// refuses the old state) is reported and refused; the old device runs on. Swaps run one at a time,
/// on a timer thread; every vCPU is parked for each as for the monitor's.
/// </summary>
public sealed class PluginWatcher : IDisposable
{
    /// <summary>How long an assembly must stay unchanged before it is swapped in (a build writes it in several steps).</summary>
    public static readonly TimeSpan DefaultQuiet = TimeSpan.FromMilliseconds(500);

    private readonly Vmm _vmm;
    private readonly ILogger _logger;
    private readonly Action<string> _notice;
    private readonly object _lock = new();
    private readonly object _swapLock = new();
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Dictionary<string, Timer> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _lastSeen = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <param name="vmm">The running machine.</param>
    /// <param name="logger">Where swaps and refusals are logged.</param>
    /// <param name="notice">Where each swap and refusal is reported in one line (minivmm: standard error).</param>
    /// <param name="quiet">The debounce time (<see cref="DefaultQuiet"/> when null).</param>
    public PluginWatcher(Vmm vmm, ILogger logger, Action<string> notice, TimeSpan? quiet = null)
    {
        _vmm = vmm;
        _logger = logger;
        _notice = notice;
        Quiet = quiet ?? DefaultQuiet;
        foreach (string plugin in vmm.Devices.Devices.Select(d => d.Type.PluginPath).Distinct(StringComparer.Ordinal))
            _lastSeen[plugin] = Fingerprint(plugin) ?? "";
        foreach (string folder in _lastSeen.Keys.Select(p => Path.GetDirectoryName(p)!).Distinct(StringComparer.Ordinal))
        {
            var watcher = new FileSystemWatcher(folder, "*.dll")
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, e) => Touched(e.FullPath);
            watcher.Created += (_, e) => Touched(e.FullPath);
            watcher.Renamed += (_, e) => Touched(e.FullPath);
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    public TimeSpan Quiet { get; }

    /// <summary>The folders watched (one per plugin folder the machine's devices came from).</summary>
    public IReadOnlyList<string> Folders => _watchers.Select(w => w.Path).ToList();

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var watcher in _watchers)
                watcher.Dispose();
            foreach (var timer in _pending.Values)
                timer.Dispose();
            _pending.Clear();
        }
        lock (_swapLock) { } // a swap under way ends before the machine goes
    }

    // On the watcher's thread: (re)start the quiet period of a device plugin's assembly.
    private void Touched(string path)
    {
        lock (_lock)
        {
            if (_disposed || !_lastSeen.ContainsKey(path))
                return; // not the assembly of a device here (a dependency, a temporary file)
            if (_pending.TryGetValue(path, out var timer))
                timer.Change(Quiet, Timeout.InfiniteTimeSpan);
            else
                _pending[path] = new Timer(_ => Settled(path), null, Quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void Settled(string path)
    {
        lock (_lock)
        {
            if (_pending.Remove(path, out var timer))
                timer.Dispose();
            if (_disposed)
                return;
        }
        lock (_swapLock)
        {
            if (Fingerprint(path) is not { } now)
            {
                Report($"the plugin '{path}' cannot be read now; the devices it provides run on unchanged", refused: true);
                return;
            }
            if (now == _lastSeen[path])
                return; // touched, not rebuilt
            _lastSeen[path] = now;
            foreach (var device in _vmm.Devices.Devices.Where(d => d.Type.PluginPath == path).ToList())
                SwapOne(device.Config.Name, path);
        }
    }

    private void SwapOne(string name, string path)
    {
        try
        {
            Report(DeviceSwap.Swap(_vmm, name, path), refused: false);
        }
        catch (Exception e)
        {
            string why = e is SnapshotException or Plugins.PluginLoadException or DeviceLoadException or TimeoutException
                ? e.Message : $"{e.GetType().Name}: {e.Message}";
            Report($"the new build of '{name}' at '{path}' is refused ({why}); the old device runs on", refused: true);
        }
    }

    // The notice always reaches the user; the log (information level, not duplicated on the console
    // at the default warning level) keeps it beside the device's own messages in a log file.
    private void Report(string line, bool refused)
    {
        _logger.Information("--watch-plugins: {Outcome}: {Line}", refused ? "refused" : "swapped", line);
        _notice($"--watch-plugins: {line}");
    }

    /// <summary>The assembly's SHA-256, or null while it cannot be read (being written, gone).</summary>
    private static string? Fingerprint(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
