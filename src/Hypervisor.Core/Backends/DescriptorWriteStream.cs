using System.Runtime.InteropServices;

namespace Hypervisor.Core.Backends;

/// <summary>
/// A write-only stream on an inherited file descriptor through write(2). A <see cref="FileStream"/> on
/// a seekable file keeps an offset of its own and writes with pwrite, so with stdout redirected to a
/// file (<c>(echo a; minivmm; echo b) &gt; log</c>) the shell's next write lands on top of the guest's
/// output. write(2) moves the offset the shell shares (and honours O_APPEND).
/// </summary>
internal sealed unsafe class DescriptorWriteStream(int descriptor) : Stream
{
    private const int EINTR = 4;

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte* buffer, nint count);

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = write(descriptor, start + done, data.Length - done);
                if (n >= 0)
                {
                    done += (int)n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                    throw new IOException($"writing to file descriptor {descriptor} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
