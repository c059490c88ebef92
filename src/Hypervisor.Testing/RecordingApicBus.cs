using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>
/// The APIC bus as a device under test sees it (an I/O APIC, an MSI source): records every message
/// sent, and lets the test play a local APIC's EOI broadcast. Opt in with
/// <see cref="DeviceHarnessSettings.Apic"/>; the harness's context then offers it as <see cref="DeviceContext.Apic"/>.
/// </summary>
public sealed class RecordingApicBus : IApicBus
{
    private readonly object _lock = new();
    private readonly List<ApicMessage> _messages = [];

    public event Action<byte>? EndOfInterrupt;

    /// <summary>Every message sent, in order.</summary>
    public IReadOnlyList<ApicMessage> Messages
    {
        get
        {
            lock (_lock)
                return _messages.ToArray();
        }
    }

    public void Send(in ApicMessage message)
    {
        lock (_lock)
            _messages.Add(message);
    }

    /// <summary>Forgets the messages recorded so far.</summary>
    public void Clear()
    {
        lock (_lock)
            _messages.Clear();
    }

    /// <summary>What a local APIC does when the guest writes EOI for a level-triggered <paramref name="vector"/>.</summary>
    public void BroadcastEndOfInterrupt(byte vector) => EndOfInterrupt?.Invoke(vector);
}
