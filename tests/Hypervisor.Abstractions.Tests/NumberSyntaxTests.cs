using Hypervisor.Abstractions;

namespace Hypervisor.Abstractions.Tests;

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
}
