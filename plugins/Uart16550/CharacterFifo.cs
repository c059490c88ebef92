using Hypervisor.Abstractions;

namespace MiniVmm.Devices.Serial;

/// <summary>
/// A 16550 FIFO: up to <see cref="Capacity"/> characters, each with the line errors (parity,
/// framing, break) it was received with. The transmitter uses it without errors.
/// </summary>
public sealed class CharacterFifo
{
    /// <summary>The 16550A's FIFO depth.</summary>
    public const int Capacity = 16;

    private readonly byte[] _data = new byte[Capacity];
    private readonly Lsr[] _errors = new Lsr[Capacity];
    private int _head;
    private int _count;
    private int _charactersWithErrors;

    public int Count => _count;

    public bool IsEmpty => _count == 0;

    public bool IsFull => _count == Capacity;

    /// <summary>True when some character still in the FIFO was received with an error (LSR bit 7).</summary>
    public bool HasCharacterWithError => _charactersWithErrors > 0;

    /// <summary>The errors of the character at the head, the one the next RBR read returns.</summary>
    public Lsr HeadErrors => _count == 0 ? Lsr.None : _errors[_head];

    public void Enqueue(byte value, Lsr errors = Lsr.None)
    {
        if (_count == Capacity)
            throw new InvalidOperationException("the FIFO is full; the caller decides what overrun means");
        int tail = (_head + _count) % Capacity;
        _data[tail] = value;
        _errors[tail] = errors;
        if (errors != Lsr.None)
            _charactersWithErrors++;
        _count++;
    }

    public byte Dequeue()
    {
        if (_count == 0)
            throw new InvalidOperationException("the FIFO is empty");
        byte value = _data[_head];
        if (_errors[_head] != Lsr.None)
            _charactersWithErrors--;
        _head = (_head + 1) % Capacity;
        _count--;
        return value;
    }

    /// <summary>Overwrites the newest character (a 16450-mode overrun replaces the holding register).</summary>
    public void ReplaceNewest(byte value, Lsr errors)
    {
        if (_count == 0)
        {
            Enqueue(value, errors);
            return;
        }
        int newest = (_head + _count - 1) % Capacity;
        if (_errors[newest] != Lsr.None)
            _charactersWithErrors--;
        _data[newest] = value;
        _errors[newest] = errors;
        if (errors != Lsr.None)
            _charactersWithErrors++;
    }

    /// <summary>Writes the characters, oldest first, with their errors (a snapshot).</summary>
    public void SaveState(IStateWriter writer)
    {
        writer.WriteInt32(_count);
        for (int i = 0; i < _count; i++)
        {
            int slot = (_head + i) % Capacity;
            writer.WriteByte(_data[slot]);
            writer.WriteByte((byte)_errors[slot]);
        }
    }

    /// <summary>Replaces the contents with what <see cref="SaveState"/> wrote.</summary>
    public void LoadState(IStateReader reader)
    {
        int count = reader.ReadInt32();
        if (count is < 0 or > Capacity)
            throw new StateFormatException($"a 16550 FIFO holds at most {Capacity} characters, not {count}");
        Clear();
        for (int i = 0; i < count; i++)
            Enqueue(reader.ReadByte(), (Lsr)reader.ReadByte());
    }

    public void Clear()
    {
        _head = 0;
        _count = 0;
        _charactersWithErrors = 0;
    }
}
