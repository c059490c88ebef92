using System.Runtime.InteropServices;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// The signal that kicks a vCPU thread out of KVM_RUN: SIGUSR2, with a no-op handler installed
/// without SA_RESTART, so a blocked KVM_RUN returns EINTR (the same idea as QEMU's SIG_IPI and
/// kvmtool's SIGKVMEXIT).
/// </summary>
/// <remarks>
/// Why SIGUSR2: CoreCLR takes SIGRTMIN for activation injection (GC suspension, hijacking), its
/// exception handling takes SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGTRAP, and System.Native takes SIGINT,
/// SIGQUIT, SIGTERM, SIGCHLD, SIGCONT, SIGWINCH, SIGTTIN and SIGTTOU. SIGUSR1/SIGUSR2 are left to the
/// application; QEMU uses SIGUSR1, so SIGUSR2 also stays clear of tools that copy QEMU's choice.
/// Installation refuses to replace a handler someone else installed.
///
/// The handler must not run managed code: the signal lands on a thread inside a P/Invoke, where
/// re-entering the runtime is not async-signal-safe. It is a single <c>ret</c> instruction in an
/// executable page of its own; returning to glibc's sa_restorer ends the signal.
/// </remarks>
internal static unsafe class VcpuKickSignal
{
    public const int Number = Signals.User2;

    private const byte X86Ret = 0xC3;
    private const int PageSize = 4096;

    private static readonly object Gate = new();
    private static nint _handler;

    /// <summary>Installs the handler once per process; throws <see cref="KvmException"/> when it cannot.</summary>
    public static void EnsureInstalled()
    {
        lock (Gate)
        {
            if (_handler != 0)
                return;
            nint handler = CreateNoOpHandler();
            SigAction previous;
            if (LibC.Sigaction(Number, null, &previous) != 0)
                throw KvmException.FromErrno("sigaction(SIGUSR2) query", Marshal.GetLastPInvokeError());
            if (previous.Handler != Signals.DefaultHandler)
                throw new KvmException("SIGUSR2 already has a handler in this process; MiniVmm needs it to stop vCPUs that sit in KVM_RUN");

            var action = new SigAction { Handler = handler, Flags = 0 }; // no SA_RESTART: KVM_RUN must return EINTR
            if (LibC.Sigaction(Number, &action, null) != 0)
                throw KvmException.FromErrno("sigaction(SIGUSR2)", Marshal.GetLastPInvokeError());
            _handler = handler;
        }
    }

    /// <summary>Sends the kick to <paramref name="thread"/> (a pthread_t); false when the thread no longer exists.</summary>
    public static bool Kick(nuint thread) => LibC.PthreadKill(thread, Number) == 0;

    private static nint CreateNoOpHandler()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new PlatformNotSupportedException("the KVM accelerator supports x86-64 hosts only");
        void* page = LibC.Mmap(null, PageSize, MmapFlags.ProtRead | MmapFlags.ProtWrite, MmapFlags.Private | MmapFlags.Anonymous, -1, 0);
        if (page == LibC.MapFailed)
            throw KvmException.FromErrno("mmap of the signal handler page", Marshal.GetLastPInvokeError());
        *(byte*)page = X86Ret;
        if (LibC.Mprotect(page, PageSize, MmapFlags.ProtRead | MmapFlags.ProtExec) != 0)
            throw KvmException.FromErrno("mprotect of the signal handler page", Marshal.GetLastPInvokeError());
        return (nint)page;
    }
}
