using Hypervisor.Core.Backends;
using Hypervisor.Testing;

namespace Hypervisor.Core.Tests.Backends;

/// <summary>A backend leased to one device instance after another (a plugin swap): it stays open until the last lease goes, and a gone lease hears no more input.</summary>
public class SharedBackendTests
{
    [Fact]
    public void The_backend_closes_with_its_last_lease_only()
    {
        var inner = new MemoryCharBackend();
        var shared = new SharedBackend(inner);
        var old = shared.Lease();
        var replacement = shared.Lease();

        old.Dispose();
        Assert.False(inner.IsDisposed);
        replacement.Write("x"u8);
        Assert.Equal("x", inner.OutputText);

        replacement.Dispose();
        Assert.True(inner.IsDisposed);
    }

    [Fact]
    public void A_disposed_lease_hears_no_more_input()
    {
        var inner = new MemoryCharBackend();
        var shared = new SharedBackend(inner);
        var old = shared.Lease();
        var replacement = shared.Lease();
        int heardByOld = 0, heardByNew = 0;
        old.InputAvailable += () => heardByOld++;
        replacement.InputAvailable += () => heardByNew++;

        old.Dispose();
        inner.Feed("a");

        Assert.Equal(0, heardByOld);
        Assert.Equal(1, heardByNew);
        Assert.True(replacement.TryRead(out byte b));
        Assert.Equal((byte)'a', b);
    }
}
