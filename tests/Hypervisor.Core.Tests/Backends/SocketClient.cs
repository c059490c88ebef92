using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Hypervisor.Core.Tests.Backends;

/// <summary>A real client socket for backend tests, with reads that give up instead of hanging.</summary>
internal sealed class SocketClient : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;

    private SocketClient(Socket socket)
    {
        _socket = socket;
        _socket.ReceiveTimeout = (int)Patience.TotalMilliseconds;
    }

    public static SocketClient Tcp(EndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(endPoint);
        return new SocketClient(socket);
    }

    public static SocketClient Unix(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new SocketClient(socket);
    }

    public void Send(string text) => _socket.Send(Encoding.Latin1.GetBytes(text));

    public void Send(byte[] data) => _socket.Send(data);

    /// <summary>Reads until exactly <paramref name="count"/> bytes have arrived.</summary>
    public byte[] Receive(int count)
    {
        var data = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = _socket.Receive(data, got, count - got, SocketFlags.None);
            if (n == 0)
                throw new IOException($"connection closed after {got} of {count} bytes");
            got += n;
        }
        return data;
    }

    public string ReceiveText(int count) => Encoding.Latin1.GetString(Receive(count));

    /// <summary>Reads until the server closes the connection; a reset fails the read.</summary>
    public byte[] ReceiveToEnd()
    {
        var data = new MemoryStream();
        var buffer = new byte[8192];
        int n;
        while ((n = _socket.Receive(buffer)) > 0)
            data.Write(buffer, 0, n);
        return data.ToArray();
    }

    public void Dispose() => _socket.Dispose();
}

internal static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until it holds or 10 s pass.</summary>
    public static bool True(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(10))
                return false;
            Thread.Sleep(2);
        }
        return true;
    }
}
