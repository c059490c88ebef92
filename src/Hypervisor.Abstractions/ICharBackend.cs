namespace Hypervisor.Abstractions;

/// <summary>
/// A host character stream behind a device (the 16550's wire, debugcon's output): stdio, a file,
/// a TCP or Unix socket, or nothing. Output is ordered; input is pulled by the device, so a guest
/// that reads slowly loses nothing (the backend keeps what the device has not taken).
/// </summary>
public interface ICharBackend : IDisposable
{
    /// <summary>Sends guest output to the host.</summary>
    void Write(ReadOnlySpan<byte> data);

    /// <summary>Takes one byte of host input if one is waiting.</summary>
    bool TryRead(out byte value);

    /// <summary>Raised (on a host thread) when input becomes available; devices poll <see cref="TryRead"/>.</summary>
    event Action? InputAvailable;

    /// <summary>Pushes buffered output out to the host.</summary>
    void Flush();
}
