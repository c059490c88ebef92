using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Tests.Machine;

/// <summary>What the machine file says about a number the SDK's NumberSyntax rejects, and durations.</summary>
public class NumberProblemTests
{
    [Theory]
    [InlineData("99999999999999999999GiB")]
    [InlineData("20000000TiB")]
    [InlineData("0x1_0000_0000_0000_0000")]
    [InlineData("18446744073709551616")]
    public void A_well_formed_number_past_64_bits_is_too_large(string text)
        => Assert.StartsWith($"'{text}' is too large (at most 0xffffffffffffffff", NumberProblem.Describe(text));

    [Theory]
    [InlineData("12 parsecs")]
    [InlineData("1PiB")]
    [InlineData("-1")]
    public void Anything_else_is_not_a_number_and_the_units_are_listed(string text)
        => Assert.Equal($"'{text}' is not a number (decimal, 0x hex, or a size such as 16MiB; units B, KiB, MiB, GiB, TiB)", NumberProblem.Describe(text));

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("10s", 10.0)]
    [InlineData("2m", 120.0)]
    [InlineData("3", 3.0)]
    public void Parses_durations(string text, double seconds)
    {
        Assert.True(DurationSyntax.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }
}
