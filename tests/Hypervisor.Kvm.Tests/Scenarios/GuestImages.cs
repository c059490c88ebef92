namespace Hypervisor.Kvm.Tests.Scenarios;

/// <summary>The assembled guest programs of Guests/*.S, embedded as resources named <c>Guests.NAME.bin</c>.</summary>
public static class GuestImages
{
    public static byte[] Load(string name)
    {
        using var stream = typeof(GuestImages).Assembly.GetManifestResourceStream($"Guests.{name}.bin")
            ?? throw new InvalidOperationException($"guest image {name}.bin is not embedded");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
