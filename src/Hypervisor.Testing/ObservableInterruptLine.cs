using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>An interrupt line that remembers its level and every edge, for assertions.</summary>
public sealed class ObservableInterruptLine(int number) : IInterruptLine
{
    private readonly object _lock = new();
    private readonly List<bool> _edges = [];
    private bool _level;

    public int Number { get; } = number;

    /// <summary>The level the device drives now.</summary>
    public bool Level
    {
        get
        {
            lock (_lock)
                return _level;
        }
    }

    /// <summary>How many times the line went from low to high.</summary>
    public int RisingEdges
    {
        get
        {
            lock (_lock)
                return _edges.Count(e => e);
        }
    }

    /// <summary>Every level change in order (true = raised).</summary>
    public IReadOnlyList<bool> Edges
    {
        get
        {
            lock (_lock)
                return _edges.ToArray();
        }
    }

    public void Set(bool level)
    {
        lock (_lock)
        {
            if (level == _level)
                return;
            _level = level;
            _edges.Add(level);
        }
    }
}
