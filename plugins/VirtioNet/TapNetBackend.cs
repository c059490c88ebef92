using System.Runtime.InteropServices;
using System.Text;
using Hypervisor.Abstractions;
using Serilog;

namespace MiniVmm.Devices.VirtioNet;

/// <summary>
/// A host TAP interface (Linux's /dev/net/tun with IFF_TAP | IFF_NO_PI): each read is one frame the
/// host sent, each write one frame from the guest. Creating the interface needs CAP_NET_ADMIN; an
/// existing persistent one (<c>ip tuntap add mode tap user U</c>) needs only access to it. The
/// interface is the host's: give it an address or put it in a bridge outside minivmm.
/// </summary>
public sealed partial class TapNetBackend : INetBackend
{
    private const string TunDevice = "/dev/net/tun";
    private const int OpenReadWrite = 2;
    private const int OpenCloseOnExec = 0x80000;
    private const uint TunSetIff = 0x400454ca; // _IOW('T', 202, int)
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    private const int IfNameSize = 16;
    private const int IfReqSize = 40;
    private const short PollIn = 0x1;
    private const int PollTimeoutMs = 200;

    private readonly int _fd;
    private readonly Thread _receiver;
    private readonly ILogger _logger;
    private volatile bool _closed;

    /// <param name="name">The interface's name (at most 15 bytes); an empty one lets the kernel pick tapN.</param>
    /// <param name="logger">Where the interface and lost frames are logged.</param>
    public TapNetBackend(string name, ILogger logger)
    {
        if (Encoding.ASCII.GetByteCount(name) >= IfNameSize)
            throw new DeviceConfigurationException("backend", $"TAP interface name '{name}' is longer than {IfNameSize - 1} bytes");
        _logger = logger;
        _fd = Open(TunDevice, OpenReadWrite | OpenCloseOnExec);
        if (_fd < 0)
            throw new DeviceConfigurationException("backend", $"cannot open {TunDevice} for a TAP interface: {Marshal.GetLastPInvokeErrorMessage()}");
        Span<byte> request = stackalloc byte[IfReqSize];
        request.Clear();
        Encoding.ASCII.GetBytes(name, request);
        MemoryMarshal.Write(request[IfNameSize..], (short)(IffTap | IffNoPi));
        if (Ioctl(_fd, TunSetIff, ref MemoryMarshal.GetReference(request)) < 0)
        {
            string error = Marshal.GetLastPInvokeErrorMessage();
            _ = Close(_fd);
            throw new DeviceConfigurationException("backend", $"cannot attach TAP interface '{name}' (TUNSETIFF): {error}; creating one needs CAP_NET_ADMIN (root)");
        }
        Name = Encoding.ASCII.GetString(request[..IfNameSize]).TrimEnd('\0');
        _logger.Information("virtio-net: TAP interface {Name}", Name);
        _receiver = new Thread(Receive) { IsBackground = true, Name = $"virtio-net tap {Name}" };
    }

    /// <summary>The interface's name as the kernel gave it.</summary>
    public string Name { get; }

    public event Action<ReadOnlyMemory<byte>>? FrameReceived;

    /// <summary>The TAP's carrier is not reflected: always up.</summary>
    public event Action<bool>? LinkChanged { add { } remove { } }

    public bool LinkUp => true;

    public void Start() => _receiver.Start();

    public void Send(ReadOnlySpan<byte> frame)
    {
        if (_closed)
            return;
        if (Write(_fd, ref MemoryMarshal.GetReference(frame), frame.Length) < 0)
            _logger.Debug("Frame to {Name} not sent: {Error}", Name, Marshal.GetLastPInvokeErrorMessage()); // interface down: lost, as on a wire
    }

    public void Dispose()
    {
        _closed = true;
        if (_receiver.IsAlive)
            _receiver.Join(TimeSpan.FromSeconds(1)); // it polls with a timeout, so it sees _closed
        _ = Close(_fd);
    }

    private void Receive()
    {
        var buffer = new byte[65536];
        var poll = new PollFd { Fd = _fd, Events = PollIn };
        while (!_closed)
        {
            poll.Revents = 0;
            if (Poll(ref poll, 1, PollTimeoutMs) <= 0 || (poll.Revents & PollIn) == 0)
                continue;
            long n = Read(_fd, ref buffer[0], buffer.Length);
            if (n > 0 && n <= NetSpec.MaxFrame)
                FrameReceived?.Invoke(buffer.AsMemory(0, (int)n).ToArray());
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, nuint request, ref byte argument);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint Write(int fd, ref byte buffer, nint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, nuint count, int timeout);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
