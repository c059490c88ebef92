namespace Hypervisor.Kvm.Tests.Scenarios;

/// <summary>A KVM scenario saw something other than what the guest program must produce.</summary>
public sealed class ScenarioFailedException(string message) : Exception(message)
{
    public static void Expect<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            throw new ScenarioFailedException($"{what}: expected {Show(expected)}, got {Show(actual)}");
    }

    public static void ExpectBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
            throw new ScenarioFailedException($"{what}: expected {Convert.ToHexString(expected)}, got {Convert.ToHexString(actual)}");
    }

    private static string Show<T>(T value) => value switch
    {
        null => "null",
        ulong or uint or ushort => $"0x{value:x}",
        _ => value.ToString() ?? "",
    };
}
