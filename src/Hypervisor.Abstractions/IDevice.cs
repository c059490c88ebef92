namespace Hypervisor.Abstractions;

/// <summary>Every device: something that can be reset to its power-on state and released.</summary>
public interface IDevice : IDisposable
{
    /// <summary>Returns the device to its power-on state (machine reset).</summary>
    void Reset() { }

    /// <summary>Flushes buffered output; called when the VM stops so nothing is lost.</summary>
    void Flush() { }

    void IDisposable.Dispose() { }
}
