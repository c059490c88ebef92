using System.Buffers.Binary;
using System.Text;

namespace MiniVmm.Devices.FwCfg;

/// <summary>
/// The items a fw_cfg device serves, by selector key: numbered items set directly, and named files
/// that get keys from <see cref="FwCfgKey.FileFirst"/> up in name order, listed in the directory item
/// (<see cref="FwCfgKey.FileDir"/>: a big-endian count, then size, key and a 56-byte name per file).
/// </summary>
public sealed class FwCfgItems
{
    private readonly Dictionary<ushort, byte[]> _items = [];
    private readonly SortedDictionary<string, byte[]> _files = new(StringComparer.Ordinal);

    public void Set(ushort key, byte[] data) => _items[key] = data;

    public void SetU16(ushort key, ushort value)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(data, value);
        Set(key, data);
    }

    public void SetU32(ushort key, uint value)
    {
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        Set(key, data);
    }

    public void SetU64(ushort key, ulong value)
    {
        var data = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(data, value);
        Set(key, data);
    }

    /// <summary>Adds a named file; throws <see cref="ArgumentException"/> for a name that does not fit or is taken.</summary>
    public void AddFile(string name, byte[] data)
    {
        if (Encoding.ASCII.GetByteCount(name) >= FwCfgKey.MaxFileName)
            throw new ArgumentException($"fw_cfg file name '{name}' is longer than {FwCfgKey.MaxFileName - 1} bytes");
        if (!_files.TryAdd(name, data))
            throw new ArgumentException($"fw_cfg file '{name}' is given twice");
    }

    public IEnumerable<string> FileNames => _files.Keys;

    /// <summary>Numbers the files and builds the directory; call once every file is added.</summary>
    public void Seal()
    {
        var directory = new byte[4 + 64 * _files.Count];
        BinaryPrimitives.WriteUInt32BigEndian(directory, (uint)_files.Count);
        ushort key = FwCfgKey.FileFirst;
        int at = 4;
        foreach (var (name, data) in _files)
        {
            BinaryPrimitives.WriteUInt32BigEndian(directory.AsSpan(at), (uint)data.Length);
            BinaryPrimitives.WriteUInt16BigEndian(directory.AsSpan(at + 4), key);
            Encoding.ASCII.GetBytes(name, directory.AsSpan(at + 8, FwCfgKey.MaxFileName));
            _items[key++] = data;
            at += 64;
        }
        _items[FwCfgKey.FileDir] = directory;
    }

    /// <summary>The item's bytes; an unknown key is an empty item (reads return 0).</summary>
    public byte[] Get(ushort key) => _items.TryGetValue(key, out var data) ? data : [];

    public bool Contains(ushort key) => _items.ContainsKey(key);
}
