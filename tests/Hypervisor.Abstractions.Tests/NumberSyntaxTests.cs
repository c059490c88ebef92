using Hypervisor.Abstractions;
using Hypervisor.Core.Machine;

namespace Hypervisor.Core.Tests.Machine;

public class NumberSyntaxTests
{
    [Theory]
    [InlineData("42", 42UL)]
    [InlineData("0x3f8", 0x3f8UL)]
    [InlineData("0X3F8", 0x3f8UL)]
    [InlineData("4KiB", 4096UL)]
    [InlineData("16MiB", 16UL << 20)]
    [InlineData("2G", 2UL << 30)]
    [InlineData("1TiB", 1UL << 40)]
    [InlineData("3T", 3UL << 40)]
    [InlineData("1_000", 1000UL)]
    public void Parses(string text, ulong expected)
    {
        Assert.True(NumberSyntax.TryParse(text, out ulong value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0x")]
    [InlineData("-1")]
    [InlineData("12 parsecs")]
    [InlineData("99999999999999999999GiB")]
    public void Rejects(string text) => Assert.False(NumberSyntax.TryParse(text, out _));

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
