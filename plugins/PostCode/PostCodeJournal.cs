using System.Globalization;
using System.Text;
using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Post;

/// <summary>One JSON object per line for each POST code: <c>{"timeNs":1234,"code":"0x2f"}</c>.</summary>
internal sealed class PostCodeJournal : IDisposable
{
    private readonly StreamWriter _writer;

    private PostCodeJournal(StreamWriter writer) => _writer = writer;

    public static PostCodeJournal Create(string path)
    {
        try
        {
            return new PostCodeJournal(new StreamWriter(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read), new UTF8Encoding(false)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new DeviceConfigurationException("output", $"cannot create '{path}': {e.Message}");
        }
    }

    public void Append(long timeNanoseconds, byte code)
        => _writer.Write(string.Create(CultureInfo.InvariantCulture, $"{{\"timeNs\":{timeNanoseconds},\"code\":\"0x{code:x2}\"}}\n"));

    public void Flush() => _writer.Flush();

    public void Dispose() => _writer.Dispose();
}
