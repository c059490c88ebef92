using System.Buffers.Binary;

namespace Hypervisor.Core.Boot;

/// <summary>
/// The parts of an ELF32 little-endian i386 executable a boot loader needs: the entry point and
/// the PT_LOAD segments (System V ABI, i386 supplement).
/// </summary>
public sealed class Elf32Image
{
    private const int HeaderSize = 52;
    private const int ProgramHeaderSize = 32;
    private const byte ClassElf32 = 1;
    private const byte ClassElf64 = 2;
    private const byte DataLittleEndian = 1;
    private const ushort TypeExecutable = 2;
    private const ushort MachineI386 = 3;
    private const uint SegmentLoad = 1;

    /// <summary>One PT_LOAD segment: <see cref="FileSize"/> bytes from <see cref="FileOffset"/> go to
    /// <see cref="PhysicalAddress"/>, and the rest of <see cref="MemorySize"/> is zeroed.</summary>
    public readonly record struct Segment(int Index, uint FileOffset, uint VirtualAddress, uint PhysicalAddress, uint FileSize, uint MemorySize);

    private Elf32Image(uint entry, IReadOnlyList<Segment> segments)
    {
        Entry = entry;
        LoadSegments = segments;
    }

    /// <summary>e_entry, as linked (may be a virtual address; see <see cref="PhysicalEntry"/>).</summary>
    public uint Entry { get; }

    public IReadOnlyList<Segment> LoadSegments { get; }

    /// <summary>True when the file starts with the ELF magic (whatever its class).</summary>
    public static bool IsElf(ReadOnlySpan<byte> file) =>
        file.Length >= 4 && file[0] == 0x7f && file[1] == (byte)'E' && file[2] == (byte)'L' && file[3] == (byte)'F';

    /// <summary>
    /// The entry point as a physical address: a kernel linked at a virtual address other than its
    /// load address has its entry translated through the segment that holds it (as GRUB and QEMU do).
    /// </summary>
    public uint PhysicalEntry
    {
        get
        {
            foreach (var s in LoadSegments)
            {
                if (s.VirtualAddress != s.PhysicalAddress && Entry >= s.VirtualAddress && Entry - s.VirtualAddress < s.MemorySize)
                    return Entry - s.VirtualAddress + s.PhysicalAddress;
            }
            return Entry;
        }
    }

    /// <summary>Parses and checks the headers, or throws a <see cref="BootImageException"/> naming <paramref name="path"/>.</summary>
    public static Elf32Image Parse(ReadOnlySpan<byte> file, string path)
    {
        if (file.Length < HeaderSize)
            throw Bad(path, $"the file is {file.Length} bytes, shorter than an ELF32 header");
        if (file[4] == ClassElf64)
            throw Bad(path, "it is an ELF64 file; Multiboot v1 kernels are ELF32 (as QEMU's -kernel requires)");
        if (file[4] != ClassElf32)
            throw Bad(path, $"unknown ELF class {file[4]}");
        if (file[5] != DataLittleEndian)
            throw Bad(path, "it is big-endian; x86 kernels are little-endian");
        ushort type = U16(file, 16), machine = U16(file, 18);
        if (type != TypeExecutable)
            throw Bad(path, $"ELF type {type} is not an executable (ET_EXEC = 2)");
        if (machine != MachineI386)
            throw Bad(path, $"ELF machine {machine} is not i386 (EM_386 = 3)");
        uint entry = U32(file, 24), phoff = U32(file, 28);
        ushort phentsize = U16(file, 42), phnum = U16(file, 44);
        if (phnum == 0)
            throw Bad(path, "it has no program headers");
        if (phentsize < ProgramHeaderSize)
            throw Bad(path, $"program header size {phentsize} is smaller than {ProgramHeaderSize}");
        if ((ulong)phoff + (ulong)phnum * phentsize > (ulong)file.Length)
            throw Bad(path, $"its {phnum} program headers at offset 0x{phoff:x} run past the end of the file ({file.Length} bytes)");

        var segments = new List<Segment>();
        for (int i = 0; i < phnum; i++)
        {
            int at = (int)phoff + i * phentsize;
            if (U32(file, at) != SegmentLoad)
                continue;
            var segment = new Segment(i, U32(file, at + 4), U32(file, at + 8), U32(file, at + 12), U32(file, at + 16), U32(file, at + 20));
            if (segment.FileSize > segment.MemorySize)
                throw Bad(path, $"segment {i} has more bytes in the file (0x{segment.FileSize:x}) than in memory (0x{segment.MemorySize:x})");
            if ((ulong)segment.FileOffset + segment.FileSize > (ulong)file.Length)
                throw Bad(path, $"segment {i} (file bytes [0x{segment.FileOffset:x}, 0x{(ulong)segment.FileOffset + segment.FileSize:x})) runs past the end of the file ({file.Length} bytes)");
            if ((ulong)segment.PhysicalAddress + segment.MemorySize > 1UL << 32)
                throw Bad(path, $"segment {i} at 0x{segment.PhysicalAddress:x} (0x{segment.MemorySize:x} bytes) runs past 4 GiB");
            segments.Add(segment);
        }
        if (segments.Count == 0)
            throw Bad(path, "it has no loadable (PT_LOAD) segments");
        return new Elf32Image(entry, segments);
    }

    private static BootImageException Bad(string path, string why) => new($"kernel '{path}' is not a loadable ELF32 i386 executable: {why}");

    private static ushort U16(ReadOnlySpan<byte> file, int offset) => BinaryPrimitives.ReadUInt16LittleEndian(file[offset..]);

    private static uint U32(ReadOnlySpan<byte> file, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(file[offset..]);
}
