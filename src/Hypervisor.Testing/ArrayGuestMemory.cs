using Hypervisor.Abstractions;

namespace Hypervisor.Testing;

/// <summary>
/// Guest RAM as one managed buffer at <see cref="BaseAddress"/>, for devices that do DMA. Accesses
/// outside it throw, as the machine's guest memory does.
/// </summary>
public sealed class ArrayGuestMemory(ulong baseAddress, int size) : IGuestMemory
{
    private readonly byte[] _ram = new byte[size];

    public ulong BaseAddress { get; } = baseAddress;

    /// <summary>The RAM itself, for setting up and checking DMA buffers.</summary>
    public Span<byte> Bytes => _ram;

    public bool IsRam(ulong address, ulong length)
        => address >= BaseAddress && length <= (ulong)_ram.Length && address - BaseAddress <= (ulong)_ram.Length - length;

    public void Read(ulong address, Span<byte> destination)
        => _ram.AsSpan(Offset(address, destination.Length), destination.Length).CopyTo(destination);

    public void Write(ulong address, ReadOnlySpan<byte> source)
        => source.CopyTo(_ram.AsSpan(Offset(address, source.Length), source.Length));

    private int Offset(ulong address, int length)
    {
        if (!IsRam(address, (ulong)length))
            throw new ArgumentOutOfRangeException(nameof(address),
                $"[0x{address:x}, +{length}) is outside guest RAM [0x{BaseAddress:x}, 0x{BaseAddress + (ulong)_ram.Length:x})");
        return (int)(address - BaseAddress);
    }
}
