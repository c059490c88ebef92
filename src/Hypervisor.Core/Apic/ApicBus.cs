using Hypervisor.Abstractions;

namespace Hypervisor.Core.Apic;

/// <summary>
/// The machine's APIC bus: routes interrupt messages from the I/O APIC and from local APICs' ICRs
/// to the local APICs they address, and broadcasts level-triggered EOIs back to the I/O APICs. The
/// VMM builds it before the devices (an I/O APIC gets it in its context) and the accelerator attaches
/// one endpoint per vCPU.
/// </summary>
public sealed class ApicBus(Action wakeHaltedVcpus) : IApicBus
{
    private const byte PhysicalBroadcast = 0xFF;
    private IApicEndpoint[] _endpoints = [];
    private readonly object _attachLock = new();
    private int _lowestPriorityTurn;

    public event Action<byte>? EndOfInterrupt;

    public IReadOnlyList<IApicEndpoint> Endpoints => Volatile.Read(ref _endpoints);

    /// <summary>Adds a local APIC (as each vCPU is created).</summary>
    public void Attach(IApicEndpoint endpoint)
    {
        lock (_attachLock)
            _endpoints = [.. _endpoints, endpoint];
    }

    public void Send(in ApicMessage message) => Send(message, IpiShorthand.None, source: null);

    /// <summary>Delivers <paramref name="message"/> from <paramref name="source"/> (a local APIC's ICR) with a destination shorthand.</summary>
    public void Send(in ApicMessage message, IpiShorthand shorthand, IApicEndpoint? source)
    {
        var endpoints = Volatile.Read(ref _endpoints);
        if (message.DeliveryMode == ApicDeliveryMode.LowestPriority && shorthand == IpiShorthand.None)
        {
            // Every local APIC here runs at the same arbitration priority: rotate among the matches, as KVM does.
            var copy = message;
            var matches = endpoints.Where(e => Matches(e, copy)).ToArray();
            if (matches.Length > 0)
                matches[(uint)Interlocked.Increment(ref _lowestPriorityTurn) % (uint)matches.Length].Accept(message);
        }
        else
        {
            foreach (var endpoint in endpoints)
            {
                bool target = shorthand switch
                {
                    IpiShorthand.Self => endpoint == source,
                    IpiShorthand.AllIncludingSelf => true,
                    IpiShorthand.AllExcludingSelf => endpoint != source,
                    _ => Matches(endpoint, message),
                };
                if (target)
                    endpoint.Accept(message);
            }
        }
        wakeHaltedVcpus();
    }

    /// <summary>A local APIC's EOI ended level-triggered vector <paramref name="vector"/>.</summary>
    public void BroadcastEndOfInterrupt(byte vector) => EndOfInterrupt?.Invoke(vector);

    /// <summary>Something changed a local APIC's pending interrupts outside a message (its timer): wake a halted vCPU.</summary>
    public void Wake() => wakeHaltedVcpus();

    private static bool Matches(IApicEndpoint endpoint, in ApicMessage message) =>
        message.LogicalDestination
            ? endpoint.MatchesLogical(message.Destination)
            : message.Destination == PhysicalBroadcast || message.Destination == endpoint.ApicId;
}
