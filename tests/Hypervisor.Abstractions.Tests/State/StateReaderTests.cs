using Hypervisor.Abstractions;

namespace Hypervisor.Abstractions.Tests.State;

/// <summary>What a device writes into its snapshot state reads back value for value; a short or malformed state is a clear error.</summary>
public class StateReaderTests
{
    [Fact]
    public void Every_value_reads_back_in_order()
    {
        var writer = new StateWriter();
        writer.WriteBool(true);
        writer.WriteByte(0xab);
        writer.WriteUInt16(0xbeef);
        writer.WriteUInt32(0xdeadbeef);
        writer.WriteInt32(-5);
        writer.WriteUInt64(ulong.MaxValue - 1);
        writer.WriteInt64(long.MinValue);
        writer.WriteBytes([1, 2, 3]);
        writer.WriteString("com1 ✓");

        var reader = new StateReader(writer.ToArray());

        Assert.True(reader.ReadBool());
        Assert.Equal(0xab, reader.ReadByte());
        Assert.Equal(0xbeef, reader.ReadUInt16());
        Assert.Equal(0xdeadbeefu, reader.ReadUInt32());
        Assert.Equal(-5, reader.ReadInt32());
        Assert.Equal(ulong.MaxValue - 1, reader.ReadUInt64());
        Assert.Equal(long.MinValue, reader.ReadInt64());
        Assert.Equal([1, 2, 3], reader.ReadBytes());
        Assert.Equal("com1 ✓", reader.ReadString());
        Assert.Equal(0, reader.Remaining);
    }

    [Fact]
    public void Reading_past_the_end_names_the_offset()
    {
        var reader = new StateReader(new byte[] { 1, 2 });
        reader.ReadByte();

        var error = Assert.Throws<StateFormatException>(() => reader.ReadUInt32());

        Assert.Equal("state ends after 2 bytes; 4 more were expected at offset 1", error.Message);
    }

    [Fact]
    public void A_block_of_another_length_than_expected_is_refused()
    {
        var writer = new StateWriter();
        writer.WriteBytes(new byte[3]);

        var error = Assert.Throws<StateFormatException>(() => new StateReader(writer.ToArray()).ReadBytes(new byte[4]));

        Assert.Contains("expected a block of 4 bytes", error.Message);
    }

    [Fact]
    public void A_boolean_is_zero_or_one()
        => Assert.Throws<StateFormatException>(() => new StateReader(new byte[] { 2 }).ReadBool());
}
