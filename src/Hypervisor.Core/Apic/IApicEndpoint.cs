using Hypervisor.Abstractions;

namespace Hypervisor.Core.Apic;

/// <summary>A local APIC as the APIC bus sees it: an address to match and a place to deliver.</summary>
public interface IApicEndpoint
{
    /// <summary>The APIC ID (physical destination mode).</summary>
    byte ApicId { get; }

    /// <summary>True when this APIC is in logical destination set <paramref name="destination"/> (its LDR under its DFR model).</summary>
    bool MatchesLogical(byte destination);

    /// <summary>Takes a message addressed to it (any thread).</summary>
    void Accept(in ApicMessage message);
}
