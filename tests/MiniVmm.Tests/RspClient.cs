using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MiniVmm.Tests;

/// <summary>A bare gdb remote-protocol client, for what batch gdb cannot do on cue (Ctrl-C while the guest runs).</summary>
public sealed class RspClient : IDisposable
{
    private readonly TcpClient _client = new();
    private readonly NetworkStream _stream;

    public RspClient(int port)
    {
        _client.Connect(IPAddress.Loopback, port);
        _stream = _client.GetStream();
        _stream.ReadTimeout = 20_000;
    }

    public void Send(string payload)
    {
        byte sum = 0;
        foreach (char c in payload)
            sum += (byte)c;
        _stream.Write(Encoding.ASCII.GetBytes($"${payload}#{sum:x2}"));
    }

    /// <summary>Ctrl-C: the single byte 0x03 outside any packet.</summary>
    public void Interrupt() => _stream.WriteByte(0x03);

    /// <summary>The next packet's payload (acknowledged with +); acknowledgements before it are skipped.</summary>
    public string Receive()
    {
        int c;
        while ((c = _stream.ReadByte()) != '$')
        {
            if (c < 0)
                throw new IOException("the stub closed the connection");
        }
        var payload = new StringBuilder();
        while ((c = _stream.ReadByte()) != '#')
            payload.Append((char)c);
        _stream.ReadByte();
        _stream.ReadByte();
        try
        {
            _stream.WriteByte((byte)'+');
        }
        catch (IOException)
        {
            // The stub closes the connection right after its last answer (OK to D); the
            // acknowledgement then has no reader, which gdb too ignores.
        }
        return payload.ToString();
    }

    public string Ask(string payload)
    {
        Send(payload);
        return Receive();
    }

    public void Dispose() => _client.Dispose();
}
