using System.Runtime.InteropServices;
using Hypervisor.Abstractions;

namespace Hypervisor.Core.Memory;

/// <summary>
/// A firmware image as a PC maps it: read-only at the top of the 4 GiB space (its last byte at
/// 0xFFFFFFFF), its last 128 KiB aliased at 0xE0000-0xFFFFF, and the shadow region
/// 0xC0000-0xFFFFF where the chipset (<see cref="SetShadow"/>, the i440FX PAM registers) sends
/// reads and writes to the RAM beneath or to the ROM side. Accelerators ask, per 4 KiB page, where
/// reads and writes go (<see cref="ReadHost"/>, <see cref="WriteHost"/>; null: not memory, the
/// access exits as MMIO and writes to ROM are dropped there) and follow <see cref="Changed"/>.
/// </summary>
public sealed unsafe class FirmwareMemory : IMemoryMap, IDisposable
{
    public const ulong ShadowStart = 0xC0000;
    public const ulong ShadowEnd = 0x100000;
    /// <summary>How much of the image's end appears below 1 MiB (QEMU's "isa-bios").</summary>
    public const ulong LowAliasSize = 128 * 1024;
    public const ulong MinimumSize = 64 * 1024;
    public const ulong MaximumSize = 16 * 1024 * 1024;
    private const ulong TopOf4GiB = 1UL << 32;
    private const int PageShift = 12;
    private const ulong PageSize = MemorySlot.PageSize;

    private readonly GuestMemory _ram;
    private byte* _rom;
    private readonly ShadowAccess[] _shadow = new ShadowAccess[(ShadowEnd - ShadowStart) / PageSize];

    private FirmwareMemory(GuestMemory ram, ReadOnlySpan<byte> image, string path)
    {
        _ram = ram;
        Path = path;
        Size = (ulong)image.Length;
        Base = TopOf4GiB - Size;
        AliasStart = ShadowEnd - Math.Min(Size, LowAliasSize);
        _rom = (byte*)NativeMemory.AlignedAlloc((nuint)Size, (nuint)PageSize);
        image.CopyTo(new Span<byte>(_rom, image.Length));
    }

    /// <summary>Reads the image; throws <see cref="ArgumentException"/> for a size a PC cannot map, <see cref="IOException"/> when unreadable.</summary>
    public static FirmwareMemory Load(string path, GuestMemory ram) => Create(File.ReadAllBytes(path), ram, path);

    /// <summary>Maps <paramref name="image"/> (named <paramref name="path"/> in messages); throws <see cref="ArgumentException"/> for a size a PC cannot map or RAM in its place.</summary>
    public static FirmwareMemory Create(ReadOnlySpan<byte> image, GuestMemory ram, string path)
    {
        if (SizeProblem((ulong)image.Length) is { } problem)
            throw new ArgumentException($"firmware '{path}': {problem}");
        ulong start = TopOf4GiB - (ulong)image.Length;
        if (ram.Slots.FirstOrDefault(s => s.End > start && s.GuestAddress < TopOf4GiB) is { } slot)
            throw new ArgumentException($"firmware '{path}' at [0x{start:x}, 0x{TopOf4GiB:x}) overlaps RAM {slot}");
        return new FirmwareMemory(ram, image, path);
    }

    /// <summary>Why a firmware image of <paramref name="size"/> bytes cannot be mapped, or null.</summary>
    public static string? SizeProblem(ulong size) =>
        size < MinimumSize || size > MaximumSize || size % MinimumSize != 0
            ? $"its size ({size} bytes) must be a multiple of 64 KiB between 64 KiB and 16 MiB"
            : null;

    public string Path { get; }

    /// <summary>Where the image starts in the 4 GiB space: 4 GiB minus its size.</summary>
    public ulong Base { get; }

    public ulong Size { get; }

    /// <summary>Where the image's end appears below 1 MiB (0xE0000 for images of 128 KiB and more).</summary>
    public ulong AliasStart { get; }

    /// <summary>The highest guest physical address (exclusive) this map places anything at.</summary>
    public ulong End => TopOf4GiB;

    /// <summary>Raised with a range whose routing changed; on the thread of the change.</summary>
    public event Action<ulong, ulong>? Changed;

    /// <summary>True when this map decides page <paramref name="page"/> (the ROM, or the shadow region).</summary>
    public bool Covers(ulong page)
    {
        ulong address = page << PageShift;
        return address >= Base && address < End || address >= ShadowStart && address < ShadowEnd;
    }

    /// <summary>Host memory the CPU reads page <paramref name="page"/> from, or null (MMIO). Only for pages it <see cref="Covers"/>.</summary>
    public byte* ReadHost(ulong page)
    {
        ulong address = page << PageShift;
        if (address >= Base)
            return Rom(address - Base);
        if ((_shadow[ShadowIndex(address)] & ShadowAccess.ReadRam) != 0)
            return _ram.TryGetHostPointer(address, PageSize);
        return address >= AliasStart ? Rom(Size - (ShadowEnd - address)) : null;
    }

    /// <summary>Host memory the CPU writes page <paramref name="page"/> to, or null (the write is dropped as MMIO).</summary>
    public byte* WriteHost(ulong page)
    {
        ulong address = page << PageShift;
        if (address >= Base)
            return null;
        return (_shadow[ShadowIndex(address)] & ShadowAccess.WriteRam) != 0 ? _ram.TryGetHostPointer(address, PageSize) : null;
    }

    /// <summary>The byte a CPU read at <paramref name="address"/> returns when this map decides it (ROM or shadow region); false elsewhere or where nothing answers.</summary>
    public bool TryReadByte(ulong address, out byte value)
    {
        value = 0;
        ulong page = address >> PageShift;
        if (!Covers(page))
            return false;
        byte* host;
        lock (_shadow)
            host = ReadHost(page);
        if (host == null)
            return false;
        value = host[address & (PageSize - 1)];
        return true;
    }

    public ShadowAccess ShadowOf(ulong address) => _shadow[ShadowIndex(address)];

    public void SetShadow(ulong address, ulong length, ShadowAccess access)
    {
        if (address < ShadowStart || address + length > ShadowEnd || address % PageSize != 0 || length % PageSize != 0)
            throw new ArgumentOutOfRangeException(nameof(address),
                $"[0x{address:x}, 0x{address + length:x}) is not a 4 KiB-aligned range inside the shadow region [0x{ShadowStart:x}, 0x{ShadowEnd:x})");
        bool changed = false;
        lock (_shadow)
        {
            for (ulong a = address; a < address + length; a += PageSize)
            {
                changed |= _shadow[ShadowIndex(a)] != access;
                _shadow[ShadowIndex(a)] = access;
            }
        }
        if (changed)
            Changed?.Invoke(address, length);
    }

    private byte* Rom(ulong offset) => (_rom != null ? _rom : throw new ObjectDisposedException(nameof(FirmwareMemory))) + offset;

    private static int ShadowIndex(ulong address) => (int)((address - ShadowStart) >> PageShift);

    public void Dispose()
    {
        if (_rom != null)
        {
            NativeMemory.AlignedFree(_rom);
            _rom = null;
        }
    }

    public override string ToString() => $"firmware '{Path}' at [0x{Base:x}, 0x{End:x}), alias at 0x{AliasStart:x}";
}
