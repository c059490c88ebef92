using System.Runtime.InteropServices;

namespace Hypervisor.Core.Backends;

/// <summary>
/// Puts the controlling terminal (stdin) into raw mode while a device reads it, the way QEMU's
/// stdio chardev does: no line editing, no echo, no signal keys (Ctrl-C goes to the guest), but
/// output post-processing kept so the guest's "\n" still starts a new line. <see cref="Restore"/>
/// puts the saved settings back; it is idempotent and also runs at process exit and on an
/// unhandled exception.
/// </summary>
public static class TerminalMode
{
    private const int StdinFileDescriptor = 0;
    private const int TcsaNow = 0;
    private const int TermiosBufferSize = 256; // larger than any libc's struct termios
    private const int LinuxOutputFlagsOffset = 4; // c_oflag follows c_iflag (both uint32 on Linux)
    private const uint Opost = 0x1;

    private static readonly object Lock = new();
    private static byte[]? _saved;
    private static bool _hooksInstalled;

    /// <summary>True while this process holds the terminal in raw mode.</summary>
    public static bool IsRaw
    {
        get
        {
            lock (Lock)
                return _saved is not null;
        }
    }

    /// <summary>True when stdin is a terminal (not a pipe or a file).</summary>
    public static bool StdinIsTerminal => OperatingSystem.IsLinux() && !Console.IsInputRedirected && isatty(StdinFileDescriptor) == 1;

    /// <summary>Enters raw mode if stdin is a Linux terminal. Returns whether it did.</summary>
    public static bool TryEnterRaw()
    {
        lock (Lock)
        {
            if (_saved is not null)
                return true;
            if (!StdinIsTerminal)
                return false;
            var saved = new byte[TermiosBufferSize];
            if (tcgetattr(StdinFileDescriptor, saved) != 0)
                return false;
            var raw = (byte[])saved.Clone();
            cfmakeraw(raw);
            uint oflag = BitConverter.ToUInt32(raw, LinuxOutputFlagsOffset) | Opost;
            BitConverter.TryWriteBytes(raw.AsSpan(LinuxOutputFlagsOffset), oflag);
            if (tcsetattr(StdinFileDescriptor, TcsaNow, raw) != 0)
                return false;
            _saved = saved;
            InstallHooks();
            return true;
        }
    }

    /// <summary>Gives the terminal back its settings from before raw mode. Safe to call any number of times, from any thread.</summary>
    public static void Restore()
    {
        lock (Lock)
        {
            if (_saved is null)
                return;
            tcsetattr(StdinFileDescriptor, TcsaNow, _saved);
            _saved = null;
        }
    }

    private static void InstallHooks()
    {
        if (_hooksInstalled)
            return;
        _hooksInstalled = true;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Restore();
        AppDomain.CurrentDomain.UnhandledException += (_, _) => Restore();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int isatty(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcgetattr(int fd, [Out] byte[] termios);

    [DllImport("libc", SetLastError = true)]
    private static extern int tcsetattr(int fd, int optionalActions, byte[] termios);

    [DllImport("libc")]
    private static extern void cfmakeraw([In, Out] byte[] termios);
}
