using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Hypervisor.Kvm;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm.Tests.Abi;

/// <summary>One number the C# declarations assert about the C ABI, with the C expression that computes it.</summary>
/// <param name="Key">A stable name, e.g. <c>offsetof kvm_run.io.data_offset</c>.</param>
/// <param name="CExpression">An integer expression valid in C after the probe's includes.</param>
/// <param name="Expected">What the C# declaration says.</param>
/// <param name="AtMost">True when C# may be smaller (a declared prefix of a larger struct).</param>
public sealed record AbiFact(string Key, string CExpression, ulong Expected, bool AtMost = false);

/// <summary>
/// Walks every [NativeStruct] struct and every [NativeConstants] class of Hypervisor.Kvm by reflection,
/// so a declaration cannot be added without the header probe checking it.
/// </summary>
public static class AbiDeclarations
{
    public static Assembly KvmAssembly => typeof(KvmException).Assembly;

    public static IReadOnlyList<AbiFact> All() => [.. Structs(), .. Constants()];

    public static IEnumerable<AbiFact> Structs()
    {
        foreach (var type in KvmAssembly.GetTypes().OrderBy(t => t.FullName))
        {
            var native = type.GetCustomAttribute<NativeStructAttribute>();
            if (native == null)
                continue;
            string cType = $"struct {native.CName}";
            yield return new AbiFact($"sizeof {native.CName}", $"sizeof({cType})", (ulong)SizeOf(type), native.PrefixOnly);
            foreach (var fact in Fields(type, cType, native.CName, pathPrefix: "", baseOffset: 0))
                yield return fact;
            if (native.TrailingArray != null)
                yield return new AbiFact($"offsetof {native.CName}.{native.TrailingArray}",
                    $"offsetof({cType}, {native.TrailingArray})", (ulong)SizeOf(type));
        }
    }

    public static IEnumerable<AbiFact> Constants()
    {
        foreach (var type in KvmAssembly.GetTypes().OrderBy(t => t.FullName))
        {
            var constants = type.GetCustomAttribute<NativeConstantsAttribute>();
            if (constants == null)
                continue;
            var fields = type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
                .Where(f => f.IsLiteral || (f.IsInitOnly && IsInteger(f.FieldType)))
                .Where(f => f.IsPublic || f.GetCustomAttribute<NativeNameAttribute>() != null);
            foreach (var field in fields)
            {
                string cName = field.GetCustomAttribute<NativeNameAttribute>()?.CName ?? constants.Prefix + ToScreamingSnake(field.Name);
                yield return new AbiFact($"value {cName}", $"(unsigned long long)({cName})", ToUInt64(field.GetValue(null)!));
            }
        }
    }

    private static IEnumerable<AbiFact> Fields(Type type, string cType, string cTypeName, string pathPrefix, int baseOffset)
    {
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            string cField = field.GetCustomAttribute<NativeNameAttribute>()?.CName ?? ToSnake(field.Name);
            string path = pathPrefix + cField;
            int offset = baseOffset + (int)Marshal.OffsetOf(type, field.Name);
            var fixedBuffer = field.GetCustomAttribute<FixedBufferAttribute>();
            int size = fixedBuffer != null ? SizeOf(fixedBuffer.ElementType) * fixedBuffer.Length : SizeOf(field.FieldType);
            yield return new AbiFact($"offsetof {cTypeName}.{path}", $"offsetof({cType}, {path})", (ulong)offset);
            yield return new AbiFact($"sizeof {cTypeName}.{path}", $"sizeof((({cType} *)0)->{path})", (ulong)size);
            // Anonymous nested structs (kvm_run's exit union members) are checked field by field in place.
            if (fixedBuffer == null && IsDeclaredStruct(field.FieldType))
            {
                foreach (var nested in Fields(field.FieldType, cType, cTypeName, path + ".", offset))
                    yield return nested;
            }
        }
    }

    private static bool IsDeclaredStruct(Type type) =>
        type.IsValueType && !type.IsPrimitive && !type.IsEnum && type.Assembly == KvmAssembly;

    private static int SizeOf(Type type) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    private static bool IsInteger(Type type) =>
        type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(ulong) ||
        type == typeof(short) || type == typeof(ushort) || type == typeof(byte) || type == typeof(nint) || type == typeof(nuint);

    private static ulong ToUInt64(object value) => value switch
    {
        nint n => (ulong)n,
        nuint n => n,
        _ => unchecked((ulong)Convert.ToInt64(value)),
    };

    /// <summary>PascalCase to snake_case: <c>HardwareEntryFailureReason</c> → <c>hardware_entry_failure_reason</c>, <c>R8</c> → <c>r8</c>.</summary>
    public static string ToSnake(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c) && i > 0)
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>PascalCase to SCREAMING_SNAKE: <c>GetApiVersion</c> → <c>GET_API_VERSION</c>, <c>CreatePit2</c> → <c>CREATE_PIT2</c>.</summary>
    public static string ToScreamingSnake(string name) => ToSnake(name).ToUpperInvariant();
}
