namespace Hypervisor.Core.Apic;

/// <summary>The destination shorthand of an ICR write (bits 18-19, SDM Vol. 3, 11.6.1).</summary>
public enum IpiShorthand
{
    /// <summary>The destination field names the targets.</summary>
    None = 0,
    Self = 1,
    AllIncludingSelf = 2,
    AllExcludingSelf = 3,
}
