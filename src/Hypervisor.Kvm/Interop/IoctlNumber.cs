using System.Runtime.CompilerServices;

namespace Hypervisor.Kvm.Interop;

/// <summary>
/// The Linux ioctl request encoding of <c>&lt;asm-generic/ioctl.h&gt;</c>: direction in bits 30–31,
/// argument size in bits 16–29, type in bits 8–15, number in bits 0–7.
/// </summary>
internal static class IoctlNumber
{
    private const int NumberShift = 0;
    private const int TypeShift = 8;
    private const int SizeShift = 16;
    private const int DirectionShift = 30;
    private const int SizeBits = 14;

    private const uint None = 0;
    private const uint Write = 1;
    private const uint Read = 2;

    /// <summary><c>_IOC(dir, type, nr, size)</c>.</summary>
    public static uint Encode(uint direction, uint type, uint number, int size)
    {
        if ((uint)size >= 1u << SizeBits)
            throw new ArgumentOutOfRangeException(nameof(size), $"ioctl argument size {size} does not fit in {SizeBits} bits");
        return (direction << DirectionShift) | ((uint)size << SizeShift) | (type << TypeShift) | (number << NumberShift);
    }

    /// <summary><c>_IO(type, nr)</c>: no argument structure.</summary>
    public static uint IO(uint type, uint number) => Encode(None, type, number, 0);

    /// <summary><c>_IOR(type, nr, T)</c>: the kernel writes a <typeparamref name="T"/>.</summary>
    public static uint IOR<T>(uint type, uint number) where T : unmanaged => Encode(Read, type, number, Unsafe.SizeOf<T>());

    /// <summary><c>_IOW(type, nr, T)</c>: the kernel reads a <typeparamref name="T"/>.</summary>
    public static uint IOW<T>(uint type, uint number) where T : unmanaged => Encode(Write, type, number, Unsafe.SizeOf<T>());

    /// <summary><c>_IOWR(type, nr, T)</c>: both.</summary>
    public static uint IOWR<T>(uint type, uint number) where T : unmanaged => Encode(Read | Write, type, number, Unsafe.SizeOf<T>());
}
