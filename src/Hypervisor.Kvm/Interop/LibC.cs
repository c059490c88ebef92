using System.Runtime.InteropServices;

namespace Hypervisor.Kvm.Interop;

/// <summary>
/// The few glibc entry points the KVM API needs. Every call that can fail sets errno, read with
/// <see cref="Marshal.GetLastPInvokeError"/>.
/// </summary>
internal static unsafe partial class LibC
{
    // "libc" resolves to libc.so.6 on glibc systems.
    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>ioctl with an integer argument (or none).</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, nuint argument);

    /// <summary>
    /// KVM_RUN's ioctl, once per exit: no errno marshalling (SetLastError costs two more native calls and
    /// a thread-static write per call). On -1 read errno with <see cref="Marshal.GetLastSystemError"/>
    /// straight after: it is what SetLastError's stub does, and the runtime keeps errno across the return
    /// from native code (its GC-suspension path saves and restores it).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "ioctl")]
    public static partial int IoctlRun(int fd, nuint request, nuint argument);

    /// <summary>ioctl with a pointer to an argument structure.</summary>
    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int Eventfd(uint initialValue, int flags);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(void* address, nuint length);

    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(void* address, nuint length, int protection);

    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int Sigaction(int signal, SigAction* action, SigAction* oldAction);

    [LibraryImport(Library, EntryPoint = "pthread_self")]
    public static partial nuint PthreadSelf();

    /// <summary>Returns 0 or an errno value (pthread functions do not set errno).</summary>
    [LibraryImport(Library, EntryPoint = "pthread_kill")]
    public static partial int PthreadKill(nuint thread, int signal);

    /// <summary>MAP_FAILED.</summary>
    public static readonly void* MapFailed = (void*)-1;

    /// <summary>"strerror (errno N)" for messages.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}

/// <summary>glibc's x86-64 <c>struct sigaction</c> (the wrapper fills sa_restorer itself).</summary>
[NativeStruct("sigaction")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SigAction
{
    /// <summary>The handler's address, or SIG_DFL (0) / SIG_IGN (1).</summary>
    [NativeName("sa_handler")] public nint Handler;
    /// <summary>sigset_t: 1024 signal bits.</summary>
    [NativeName("sa_mask")] public fixed ulong Mask[16];
    [NativeName("sa_flags")] public int Flags;
    [NativeName("sa_restorer")] public nint Restorer;
}

/// <summary>Flags for open().</summary>
[NativeConstants("O_")]
internal static class OpenFlags
{
    [NativeName("O_RDWR")] public const int ReadWrite = 2;
    [NativeName("O_CLOEXEC")] public const int CloseOnExec = 0x80000;
}

/// <summary>Protections and flags for mmap().</summary>
[NativeConstants("")]
internal static class MmapFlags
{
    [NativeName("PROT_READ")] public const int ProtRead = 1;
    [NativeName("PROT_WRITE")] public const int ProtWrite = 2;
    [NativeName("PROT_EXEC")] public const int ProtExec = 4;
    [NativeName("MAP_SHARED")] public const int Shared = 1;
    [NativeName("MAP_PRIVATE")] public const int Private = 2;
    [NativeName("MAP_ANONYMOUS")] public const int Anonymous = 0x20;
}

/// <summary>Flags for eventfd().</summary>
[NativeConstants("")]
internal static class EventfdFlags
{
    /// <summary>Not inherited by child processes.</summary>
    [NativeName("EFD_CLOEXEC")] public const int CloseOnExec = 0x80000;
}

/// <summary>The errno values the KVM code tells apart.</summary>
[NativeConstants("E")]
internal static class Errno
{
    [NativeName("EPERM")] public const int NotPermitted = 1;
    [NativeName("ENOENT")] public const int NoSuchFile = 2;
    [NativeName("EINTR")] public const int Interrupted = 4;
    [NativeName("ENXIO")] public const int NoSuchDeviceOrAddress = 6;
    [NativeName("E2BIG")] public const int TooBig = 7;
    [NativeName("EAGAIN")] public const int TryAgain = 11;
    [NativeName("EACCES")] public const int AccessDenied = 13;
    [NativeName("ENODEV")] public const int NoSuchDevice = 19;
    [NativeName("ENOTTY")] public const int NotATypewriter = 25;
}

/// <summary>Signal numbers and sigaction flags.</summary>
[NativeConstants("SIG")]
internal static class Signals
{
    [NativeName("SIGUSR2")] public const int User2 = 12;
    [NativeName("SIG_DFL")] public const nint DefaultHandler = 0;
    [NativeName("SA_RESTART")] public const int RestartFlag = 0x10000000;
}
