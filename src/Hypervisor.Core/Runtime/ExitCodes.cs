namespace Hypervisor.Core.Runtime;

/// <summary>
/// minivmm's process exit codes. Errors are even so they never collide with isa-debug-exit's
/// statuses, which are always odd ((value &lt;&lt; 1) | 1).
/// </summary>
public static class ExitCodes
{
    /// <summary>The guest halted, or a device asked for a clean stop.</summary>
    public const int Success = 0;
    /// <summary>Bad command line or machine file (nothing ran).</summary>
    public const int BadConfiguration = 2;
    /// <summary>An image, plugin or device failed to load (nothing ran).</summary>
    public const int LoadFailure = 4;
    /// <summary>The guest crashed: triple fault, unimplemented instruction, fetch from unmapped memory, internal error.</summary>
    public const int GuestCrash = 6;
    /// <summary>A device threw during a guest access.</summary>
    public const int DeviceFailure = 8;
    /// <summary>A fault inside minivmm itself (a bug): EX_SOFTWARE.</summary>
    public const int VmmFailure = 70;
    /// <summary>The instruction or time limit stopped the guest (as timeout(1)).</summary>
    public const int LimitReached = 124;
    /// <summary>SIGINT (Ctrl-C): 128 + 2.</summary>
    public const int Interrupted = 130;
    /// <summary>SIGTERM: 128 + 15.</summary>
    public const int Terminated = 143;
}
