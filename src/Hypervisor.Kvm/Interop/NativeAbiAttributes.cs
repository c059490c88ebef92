namespace Hypervisor.Kvm.Interop;

/// <summary>
/// Marks a struct as the C# image of a C structure, so the header-probe test compares its size and
/// every field's offset and size with what gcc computes from the system headers.
/// </summary>
[AttributeUsage(AttributeTargets.Struct)]
internal sealed class NativeStructAttribute(string cName) : Attribute
{
    /// <summary>The C tag name, without <c>struct</c> (e.g. <c>kvm_regs</c>).</summary>
    public string CName { get; } = cName;

    /// <summary>
    /// True when only a prefix of the C structure is declared (kvm_run: its tail is never read), so
    /// the C# size must not exceed the C size rather than equal it.
    /// </summary>
    public bool PrefixOnly { get; init; }

    /// <summary>The C name of a flexible array member that follows the declared fields (kvm_cpuid2.entries).</summary>
    public string? TrailingArray { get; init; }
}

/// <summary>
/// The C name of a field or constant when it is not derived by convention (PascalCase to snake_case
/// for fields, prefix + SCREAMING_CASE for constants).
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
internal sealed class NativeNameAttribute(string cName) : Attribute
{
    public string CName { get; } = cName;
}

/// <summary>
/// Marks a static class whose constant (and static readonly integer) fields mirror C macros; the C name
/// of field <c>GetApiVersion</c> with prefix <c>KVM_</c> is <c>KVM_GET_API_VERSION</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class NativeConstantsAttribute(string prefix) : Attribute
{
    public string Prefix { get; } = prefix;
}
