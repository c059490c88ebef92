using System.Buffers.Binary;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The Multiboot (version 1) header a kernel carries in its first 8 KiB, 4-byte aligned: magic,
/// flags, checksum and, when flag 16 is set, the a.out-kludge load addresses.
/// </summary>
public sealed record MultibootHeader
{
    public const uint Magic = 0x1badb002;
    /// <summary>How far into the file the header may start.</summary>
    public const int SearchLimit = 8192;

    /// <summary>Flag 0: align modules on 4 KiB pages (trivially met: minivmm loads no modules).</summary>
    public const uint FlagPageAlignModules = 1u << 0;
    /// <summary>Flag 1: the kernel needs mem_lower/mem_upper (always provided).</summary>
    public const uint FlagMemoryInfo = 1u << 1;
    /// <summary>Flag 2: the kernel asks for a video mode; minivmm has no display and provides none (as QEMU).</summary>
    public const uint FlagVideoMode = 1u << 2;
    /// <summary>Flag 16: the address fields below are valid (the "a.out kludge").</summary>
    public const uint FlagAddressFields = 1u << 16;
    /// <summary>Bits 0-15 are requirements: a loader must refuse a kernel asking for one it does not know.</summary>
    public const uint RequiredFlagsMask = 0x0000ffff;
    public const uint SupportedRequiredFlags = FlagPageAlignModules | FlagMemoryInfo | FlagVideoMode;

    /// <summary>Offset of the header in the file.</summary>
    public int FileOffset { get; init; }
    public uint Flags { get; init; }
    public uint HeaderAddress { get; init; }
    public uint LoadAddress { get; init; }
    public uint LoadEndAddress { get; init; }
    public uint BssEndAddress { get; init; }
    public uint EntryAddress { get; init; }

    public bool HasAddressFields => (Flags & FlagAddressFields) != 0;

    /// <summary>Finds and checks the header, or throws a <see cref="BootImageException"/> naming <paramref name="path"/>.</summary>
    public static MultibootHeader Find(ReadOnlySpan<byte> file, string path)
    {
        int end = Math.Min(file.Length, SearchLimit) - 12;
        for (int offset = 0; offset <= end; offset += 4)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]) != Magic)
                continue;
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 4)..]);
            uint checksum = BinaryPrimitives.ReadUInt32LittleEndian(file[(offset + 8)..]);
            if (unchecked(Magic + flags + checksum) != 0)
                throw new BootImageException(
                    $"kernel '{path}': Multiboot header at offset 0x{offset:x} has a bad checksum (magic + flags 0x{flags:x8} + checksum 0x{checksum:x8} is not 0)");
            uint unsupported = flags & RequiredFlagsMask & ~SupportedRequiredFlags;
            if (unsupported != 0)
                throw new BootImageException(
                    $"kernel '{path}': Multiboot header flags 0x{flags:x8} require feature bit(s) {DescribeBits(unsupported)} that minivmm does not support");
            return (flags & FlagAddressFields) == 0
                ? new MultibootHeader { FileOffset = offset, Flags = flags }
                : WithAddressFields(file, offset, flags, path);
        }
        throw new BootImageException(
            $"kernel '{path}' is not a Multiboot kernel: no header (magic 0x{Magic:x8}) in its first {SearchLimit} bytes");
    }

    private static MultibootHeader WithAddressFields(ReadOnlySpan<byte> file, int offset, uint flags, string path)
    {
        if (offset + 32 > file.Length)
            throw new BootImageException($"kernel '{path}': Multiboot header at offset 0x{offset:x} sets flag 16 but the file ends before its address fields");
        var fields = file.Slice(offset + 12, 20);
        return new MultibootHeader
        {
            FileOffset = offset,
            Flags = flags,
            HeaderAddress = BinaryPrimitives.ReadUInt32LittleEndian(fields),
            LoadAddress = BinaryPrimitives.ReadUInt32LittleEndian(fields[4..]),
            LoadEndAddress = BinaryPrimitives.ReadUInt32LittleEndian(fields[8..]),
            BssEndAddress = BinaryPrimitives.ReadUInt32LittleEndian(fields[12..]),
            EntryAddress = BinaryPrimitives.ReadUInt32LittleEndian(fields[16..]),
        };
    }

    private static string DescribeBits(uint bits) =>
        string.Join(", ", Enumerable.Range(0, 32).Where(bit => (bits & (1u << bit)) != 0));
}
