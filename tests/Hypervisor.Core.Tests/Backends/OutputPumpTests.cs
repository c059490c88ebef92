using System.Text;
using Hypervisor.Core.Backends;

namespace Hypervisor.Core.Tests.Backends;

/// <summary>Standard output's pump: ordered, pushed back by a slow reader, and released by a stop however stuck the reader is.</summary>
public sealed class OutputPumpTests
{
    [Fact]
    public void Writes_reach_the_stream_in_order_once_flushed()
    {
        var stream = new MemoryStream();
        var pump = new OutputPump(stream, "test output");

        for (int i = 0; i < 1000; i++)
            pump.Write(Encoding.ASCII.GetBytes($"{i},"));
        pump.Flush();

        Assert.Equal(string.Concat(Enumerable.Range(0, 1000).Select(i => $"{i},")), Encoding.ASCII.GetString(stream.ToArray()));
    }

    [Fact]
    public async Task A_stalled_reader_pushes_back_until_the_pump_is_abandoned()
    {
        using var stalled = new StalledStream();
        var pump = new OutputPump(stalled, "test output");
        var writer = Task.Factory.StartNew(() =>
        {
            // Twice the buffer: the writer must wait once the pump holds all it can.
            for (int i = 0; i < 3; i++)
                pump.Write(new byte[OutputPump.Limit]);
        }, TaskCreationOptions.LongRunning);

        await Task.WhenAny(writer, Task.Delay(500));
        Assert.False(writer.IsCompleted); // pushed back
        pump.Abandon();

        await writer.WaitAsync(TimeSpan.FromSeconds(5)); // released, though the stream never returned
        pump.Flush(); // and nobody waits any more
        pump.Write("dropped"u8);
    }

    /// <summary>A stream whose Write never returns until disposed, like write(2) on a pipe nobody reads.</summary>
    private sealed class StalledStream : Stream
    {
        private readonly ManualResetEventSlim _released = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _released.Wait();
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _released.Set();
            base.Dispose(disposing);
        }
    }
}
