using Hypervisor.Abstractions;

namespace Hypervisor.Core.Backends;

/// <summary>
/// Writes guest output to a file (created or truncated when the VM starts); no input. Output is
/// pushed to the file at every line end, so <c>tail -f</c> follows a running guest.
/// </summary>
public sealed class FileBackend : ICharBackend
{
    private readonly FileStream _stream;

    private FileBackend(FileStream stream) => _stream = stream;

    public static FileBackend Open(string path)
    {
        try
        {
            return new FileBackend(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeviceConfigurationException("backend", $"cannot open '{path}' for writing: {e.Message}");
        }
    }

    public event Action? InputAvailable { add { } remove { } }

    public void Write(ReadOnlySpan<byte> data)
    {
        _stream.Write(data);
        if (data.Contains((byte)'\n'))
            _stream.Flush();
    }

    public bool TryRead(out byte value)
    {
        value = 0;
        return false;
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();
}
