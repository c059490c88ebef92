namespace Hypervisor.Core.Runtime;

/// <summary>What <see cref="Vmm.Create"/> builds a machine for.</summary>
public enum BuildMode
{
    /// <summary>To run it: character backends may wait for their clients (a tcp server backend with wait).</summary>
    Run,

    /// <summary>To check it (<c>minivmm check</c>): every step runs, nothing waits, and the machine is taken down after.</summary>
    Validate,
}
