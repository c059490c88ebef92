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
