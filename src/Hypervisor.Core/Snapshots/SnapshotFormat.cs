namespace Hypervisor.Core.Snapshots;

/// <summary>
/// The snapshot file, little-endian, in this order (docs/snapshots.md):
/// <code>
/// magic "MINIVMM\x1a"  u32 format version
/// string machine name, string machine file, string machine identity (MachineIdentity), string clock mode
/// i64 guest time (ns)
/// u32 vCPUs:   { i32 id, bool halted, i32 state version, bytes state }
/// u32 devices: { string entry name, string type, string plugin, string plugin version, i32 state version, bytes state }
/// u32 RAM slots: { u64 base, u64 size, { u64 page index, 4 KiB } ..., u64 EndOfPages }   (zero pages are skipped)
/// magic "END\x1a"
/// </code>
/// Strings and byte blocks carry their length (BinaryWriter's 7-bit length for strings, i32 for blocks).
/// </summary>
public static class SnapshotFormat
{
    public static ReadOnlySpan<byte> Magic => "MINIVMM\x1a"u8;

    public static ReadOnlySpan<byte> Trailer => "END\x1a"u8;

    /// <summary>Raise when the layout above changes.</summary>
    public const uint Version = 1;

    /// <summary>Ends a slot's page list.</summary>
    public const ulong EndOfPages = ulong.MaxValue;
}
