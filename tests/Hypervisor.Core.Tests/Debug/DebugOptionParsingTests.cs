using System.Net;
using Hypervisor.Core.Debug;

namespace Hypervisor.Core.Tests.Debug;

/// <summary>The values of --gdb and --trace/--trace-range: what they accept and how they say no.</summary>
public class DebugOptionParsingTests
{
    [Theory]
    [InlineData("tcp:127.0.0.1:1234", "127.0.0.1", 1234)]
    [InlineData("tcp:localhost:0", "127.0.0.1", 0)]
    [InlineData("tcp:[::1]:9", "::1", 9)]
    [InlineData("tcp:0.0.0.0:1234,public", "0.0.0.0", 1234)]
    public void Gdb_addresses_that_are_accepted(string spec, string address, int port)
    {
        var endpoint = GdbEndpoint.Parse(spec);

        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
    }

    [Theory]
    [InlineData("tcp:0.0.0.0:1234", "0.0.0.0 would open the guest's memory to the network")]
    [InlineData("tcp:127.0.0.1:1234,wait", "'wait' is not an option of the gdb address")]
    [InlineData("tcp:127.0.0.1:70000", "has no valid port")]
    [InlineData("tcp:example.org:1", "'example.org' is not an IP address")]
    [InlineData("unix:/tmp/gdb", "is not tcp:127.0.0.1:PORT[,public]")]
    public void Gdb_addresses_that_are_refused(string spec, string message)
    {
        var e = Assert.Throws<FormatException>(() => GdbEndpoint.Parse(spec));

        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Trace_categories_combine_and_ignore_case_and_spaces()
    {
        Assert.Equal(TraceCategories.InAsm | TraceCategories.Int | TraceCategories.CpuReset, TraceOptions.ParseCategories("in_asm, INT,cpu_reset"));
    }

    [Theory]
    [InlineData("", "no trace category given")]
    [InlineData("in_asm,op", "'op' is not a trace category; known: in_asm, exec, int, exits, io, cpu_reset")]
    public void Bad_trace_categories_are_named(string spec, string message)
    {
        Assert.Contains(message, Assert.Throws<FormatException>(() => TraceOptions.ParseCategories(spec)).Message);
    }

    [Fact]
    public void Trace_ranges_are_inclusive_or_start_plus_length()
    {
        Assert.Equal([(0x1000UL, 0x1fffUL), (0x8000UL, 0x800fUL), (16UL, 16UL)], TraceOptions.ParseRanges("0x1000..0x1fff, 0x8000+0x10,16..16"));
    }

    [Theory]
    [InlineData("0x10+0", "the length is 0")]
    [InlineData("0x20..0x10", "the range ends before it starts")]
    [InlineData("0x1g..0x20", "'0x1g' is not a number")]
    [InlineData("4096", "is not START..LAST or START+LENGTH")]
    public void Bad_trace_ranges_are_named(string spec, string message)
    {
        Assert.Contains(message, Assert.Throws<FormatException>(() => TraceOptions.ParseRanges(spec)).Message);
    }

    [Fact]
    public void The_trace_log_keeps_only_addresses_in_range()
    {
        var text = new StringWriter();
        using (var trace = new TraceLog(TraceCategories.Int, text, ownsWriter: false, [(0x100UL, 0x1ffUL)]))
        {
            trace.Interrupt(0, 0x20, Accel.InterruptSource.External, null, 0x8, 0x0ff);
            trace.Interrupt(0, 0x0e, Accel.InterruptSource.Exception, 2, 0x8, 0x100);
            trace.Interrupt(0, 0x21, Accel.InterruptSource.Software, null, 0x8, 0x200);
        }

        Assert.Equal("int cpu0 vector 0x0e (exception error 0x2) at 0008:00000100" + Environment.NewLine, text.ToString());
    }
}
