using System.Text;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Debug;

/// <summary>One JSON object per line for each port write: <c>{"port":16,"size":2,"value":3}</c>.</summary>
internal sealed class PortWriteJournal : IDisposable
{
    private readonly FileStream _file;
    private readonly byte[] _line = new byte[64];

    private PortWriteJournal(FileStream file) => _file = file;

    public static PortWriteJournal Create(string path)
    {
        try
        {
            return new PortWriteJournal(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DeviceConfigurationException("output", $"cannot create '{path}': {e.Message}");
        }
    }

    public void Append(int port, int size, uint value)
    {
        // Formatted without allocating: this runs once per guest OUT.
        Span<byte> line = _line;
        int n = Encoding.ASCII.GetBytes("{\"port\":", line);
        port.TryFormat(line[n..], out int w);
        n += w;
        n += Encoding.ASCII.GetBytes(",\"size\":", line[n..]);
        size.TryFormat(line[n..], out w);
        n += w;
        n += Encoding.ASCII.GetBytes(",\"value\":", line[n..]);
        value.TryFormat(line[n..], out w);
        n += w;
        line[n++] = (byte)'}';
        line[n++] = (byte)'\n';
        _file.Write(line[..n]);
    }

    public void Flush() => _file.Flush();

    public void Dispose() => _file.Dispose();
}
