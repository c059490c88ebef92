namespace Hypervisor.Abstractions;

/// <summary>What a device may ask of the machine as a whole.</summary>
public interface IVmControl
{
    /// <summary>
    /// Stops every vCPU and ends the VM with <paramref name="exitCode"/> (isa-debug-exit, a
    /// port-logger's stopAfter). Safe from any thread; the first request wins.
    /// </summary>
    void RequestStop(int exitCode, string reason);

    /// <summary>Asks for a machine reset (i8042 0xFE, port 0xcf9); the machine file's policy decides.</summary>
    void RequestReset(string reason);
}
