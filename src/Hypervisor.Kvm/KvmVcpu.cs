using System.Runtime.InteropServices;
using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Kvm.Interop;

namespace Hypervisor.Kvm;

/// <summary>
/// One KVM vCPU: its descriptor and its mmapped <c>kvm_run</c>. <see cref="Run"/> is KVM_RUN plus a
/// translation of <c>kvm_run</c> into the reused <see cref="VcpuExit"/>, read in place (no copies,
/// no allocation on I/O, MMIO or HLT exits).
/// </summary>
public sealed unsafe partial class KvmVcpu : IVcpu, IVcpuDebug
{
    private readonly FileDescriptorHandle _vcpu;
    private readonly MappedRegionHandle _runMapping;
    private readonly KvmRun* _run;
    private readonly int _fd;

    // RequestExit's view of the run thread: which pthread, and whether it may be inside KVM_RUN.
    private nuint _runThread;
    private int _runThreadManagedId;
    private int _inKvmRun;

    // The last KVM_RUN stopped because the guest can now take the interrupt it asked a window for.
    private bool _interruptWindowOpened;

    // Serializes RequestExit (any thread) with Dispose, so a late request never touches unmapped kvm_run.
    private readonly object _lifetime = new();
    private bool _disposed;

    internal KvmVcpu(int id, FileDescriptorHandle vcpu, int mmapSize, ReadOnlySpan<KvmCpuidEntry2> supportedCpuid)
    {
        Id = id;
        _vcpu = vcpu;
        _fd = vcpu.Fd;
        void* run = LibC.Mmap(null, (nuint)mmapSize, MmapFlags.ProtRead | MmapFlags.ProtWrite, MmapFlags.Shared, _fd, 0);
        if (run == LibC.MapFailed)
            throw KvmException.FromErrno($"mmap of vCPU {id}'s kvm_run", Marshal.GetLastPInvokeError());
        _runMapping = new MappedRegionHandle(run, mmapSize);
        _run = (KvmRun*)run;
        Exit = new VcpuExit(_run->Mmio.Data, 8);
        KvmCpuid.SetCpuid(vcpu, id, supportedCpuid);
    }

    public int Id { get; }

    public VcpuExit Exit { get; }

    /// <summary>KVM does not count instructions.</summary>
    public ulong? InstructionsRetired => null;

    /// <summary>Ignored: KVM cannot stop after N instructions (use <see cref="RequestExit"/> with a timer).</summary>
    public ulong InstructionLimit { get; set; } = ulong.MaxValue;

    /// <summary>
    /// A userspace interrupt controller (the i8259 plugin), as QEMU's kernel-irqchip=off: its vectors
    /// are injected with KVM_INTERRUPT before KVM_RUN. Null with an in-kernel irqchip (<see cref="KvmVm.SetIrqLine"/>).
    /// </summary>
    public IInterruptController? InterruptController { get; set; }

    /// <summary>Leaves KVM_RUN (a halted vCPU too) when the controller has a vector to inject.</summary>
    public void InterruptLineChanged()
    {
        if (InterruptController is { HasPendingInterrupt: true })
            RequestExit();
    }

    public VcpuExitReason Run()
    {
        while (true)
        {
            InjectPendingInterrupt();
            _interruptWindowOpened = false;
            var reason = RunOnce();
            if (!_interruptWindowOpened)
                return reason;
        }
    }

    /// <summary>
    /// KVM's protocol for a userspace PIC (what QEMU's kvm_arch_pre_run does): inject when kvm_run says the
    /// guest can take an interrupt now, and ask for an exit at the next interrupt window while one is pending.
    /// </summary>
    private void InjectPendingInterrupt()
    {
        var controller = InterruptController;
        if (controller == null)
            return;
        if (controller.HasPendingInterrupt && _run->ReadyForInterruptInjection != 0 && _run->IfFlag != 0)
        {
            var interrupt = new KvmInterrupt { Irq = controller.Acknowledge() };
            CheckedIoctl.Call(_vcpu, KvmIoctl.Interrupt, &interrupt, "KVM_INTERRUPT");
        }
        _run->RequestInterruptWindow = controller.HasPendingInterrupt ? (byte)1 : (byte)0;
    }

    private VcpuExitReason RunOnce()
    {
        TrackRunThread();
        // A full fence between publishing "in KVM_RUN" and the kernel reading immediate_exit pairs
        // with the one in RequestExit: either the kernel sees immediate_exit or RequestExit sees us.
        Interlocked.Exchange(ref _inKvmRun, 1);
        int result = LibC.IoctlRun(_fd, KvmIoctl.Run, 0);
        int errno = result < 0 ? Marshal.GetLastSystemError() : 0;
        Volatile.Write(ref _inKvmRun, 0);

        var exit = Exit;
        if (result < 0)
        {
            if (errno == Errno.Interrupted || errno == Errno.TryAgain)
            {
                _run->ImmediateExit = 0;
                exit.Reason = VcpuExitReason.Intr;
                return VcpuExitReason.Intr;
            }
            return Terminal(VcpuExitReason.InternalError, (ulong)errno, $"KVM_RUN failed: {LibC.Describe(errno)}");
        }

        KvmRun* run = _run;
        switch (run->ExitReason)
        {
            case KvmExitReason.Io:
                exit.Reason = VcpuExitReason.Io;
                exit.IoDirection = run->Io.Direction == KvmExitReason.IoOut ? IoDirection.Out : IoDirection.In;
                exit.IoSize = run->Io.Size;
                exit.IoPort = run->Io.Port;
                exit.IoCount = run->Io.Count;
                int offset = (int)run->Io.DataOffset;
                exit.SetDataBuffer((byte*)run + offset, _runMapping.Length - offset);
                return VcpuExitReason.Io;
            case KvmExitReason.Mmio:
                exit.Reason = VcpuExitReason.Mmio;
                exit.MmioAddress = run->Mmio.PhysAddr;
                exit.MmioLength = (int)run->Mmio.Len;
                exit.MmioIsWrite = run->Mmio.IsWrite != 0;
                exit.SetDataBuffer(run->Mmio.Data, 8);
                return VcpuExitReason.Mmio;
            case KvmExitReason.Hlt:
                exit.Reason = VcpuExitReason.Hlt;
                return VcpuExitReason.Hlt;
            case KvmExitReason.IrqWindowOpen:
                _interruptWindowOpened = true;   // Run injects and goes on
                exit.Reason = VcpuExitReason.Intr;
                return VcpuExitReason.Intr;
            case KvmExitReason.Intr:
                exit.Reason = VcpuExitReason.Intr;
                return VcpuExitReason.Intr;
            case KvmExitReason.Debug:
                exit.Reason = VcpuExitReason.Debug;
                exit.ErrorCode = run->Debug.Arch.Exception;
                DecodeDebugExit(run->Debug.Arch);
                return VcpuExitReason.Debug;
            case KvmExitReason.Shutdown:
                return Terminal(VcpuExitReason.Shutdown, 0, "KVM_EXIT_SHUTDOWN: the guest triple-faulted");
            case KvmExitReason.FailEntry:
                ulong failure = run->FailEntry.HardwareEntryFailureReason;
                return Terminal(VcpuExitReason.FailEntry, failure,
                    $"KVM_EXIT_FAIL_ENTRY: the hardware refused the vCPU state (hardware_entry_failure_reason 0x{failure:x}, cpu {run->FailEntry.Cpu})");
            case KvmExitReason.InternalError:
                return Terminal(VcpuExitReason.InternalError, run->Internal.Suberror, DescribeInternalError(&run->Internal));
            case KvmExitReason.Unknown:
                ulong hardware = run->Hw.HardwareExitReason;
                return Terminal(VcpuExitReason.Unknown, hardware, $"KVM_EXIT_UNKNOWN: hardware exit reason 0x{hardware:x}");
            default:
                uint reason = run->ExitReason;
                return Terminal(VcpuExitReason.Unknown, reason, $"unexpected KVM exit reason {reason} ({KvmExitNames.Describe(reason)})");
        }
    }

    /// <summary>
    /// Thread-safe. Sets <c>kvm_run.immediate_exit</c> (so the next KVM_RUN returns at once) and, when
    /// the run thread may be blocked in KVM_RUN, kicks it with <see cref="VcpuKickSignal"/>.
    /// </summary>
    public void RequestExit()
    {
        lock (_lifetime)
        {
            if (_disposed)
                return;
            Volatile.Write(ref _run->ImmediateExit, 1);
            Interlocked.MemoryBarrier();
            nuint thread = Volatile.Read(ref _runThread);
            if (Volatile.Read(ref _inKvmRun) != 0 && thread != 0)
                VcpuKickSignal.Kick(thread);
        }
    }

    public VcpuRegisters GetRegisters()
    {
        KvmRegs regs;
        CheckedIoctl.Call(_vcpu, KvmIoctl.GetRegs, &regs, "KVM_GET_REGS");
        return KvmRegisterMapping.ToCore(regs);
    }

    public void SetRegisters(in VcpuRegisters registers)
    {
        KvmRegs regs = KvmRegisterMapping.ToKvm(registers);
        CheckedIoctl.Call(_vcpu, KvmIoctl.SetRegs, &regs, "KVM_SET_REGS");
    }

    public VcpuSpecialRegisters GetSpecialRegisters()
    {
        KvmSregs sregs;
        CheckedIoctl.Call(_vcpu, KvmIoctl.GetSregs, &sregs, "KVM_GET_SREGS");
        return KvmRegisterMapping.ToCore(sregs);
    }

    public void SetSpecialRegisters(in VcpuSpecialRegisters registers)
    {
        // Read-modify-write keeps the interrupt bitmap the core does not model.
        KvmSregs sregs;
        CheckedIoctl.Call(_vcpu, KvmIoctl.GetSregs, &sregs, "KVM_GET_SREGS");
        KvmRegisterMapping.CopyToKvm(registers, ref sregs);
        CheckedIoctl.Call(_vcpu, KvmIoctl.SetSregs, &sregs, "KVM_SET_SREGS");
    }

    /// <summary>Registers in one line, for reports of exits that stop the VM.</summary>
    public string DescribeState()
    {
        try
        {
            var r = GetRegisters();
            var s = GetSpecialRegisters();
            return $"rip=0x{r.Rip:x} rsp=0x{r.Rsp:x} rflags=0x{r.Rflags:x} rax=0x{r.Rax:x} rbx=0x{r.Rbx:x} rcx=0x{r.Rcx:x} rdx=0x{r.Rdx:x} " +
                   $"cs=0x{s.Cs.Selector:x}(base 0x{s.Cs.Base:x}) ss=0x{s.Ss.Selector:x} cr0=0x{s.Cr0:x} cr3=0x{s.Cr3:x} cr4=0x{s.Cr4:x} efer=0x{s.Efer:x}";
        }
        catch (KvmException e)
        {
            return $"registers unavailable: {e.Message}";
        }
    }

    private void TrackRunThread()
    {
        int managedId = Environment.CurrentManagedThreadId;
        if (managedId != _runThreadManagedId)
        {
            Volatile.Write(ref _runThread, LibC.PthreadSelf());
            _runThreadManagedId = managedId;
        }
    }

    private VcpuExitReason Terminal(VcpuExitReason reason, ulong errorCode, string message)
    {
        Exit.Reason = reason;
        Exit.ErrorCode = errorCode;
        Exit.Message = $"{message}; vCPU {Id}: {DescribeState()}";
        return reason;
    }

    private static string DescribeInternalError(KvmRunInternal* error)
    {
        string kind = error->Suberror switch
        {
            KvmInternalError.Emulation => "KVM could not emulate an instruction",
            KvmInternalError.SimulEx => "an exception occurred while delivering another",
            KvmInternalError.DeliveryEv => "an event could not be delivered",
            KvmInternalError.UnexpectedExitReason => "the hardware exited for an unexpected reason",
            _ => "unknown suberror",
        };
        int count = (int)Math.Min(error->Ndata, (uint)KvmRunInternal.MaxData);
        var data = new string[count];
        for (int i = 0; i < count; i++)
            data[i] = $"0x{error->Data[i]:x}";
        return $"KVM_EXIT_INTERNAL_ERROR suberror {error->Suberror}: {kind}" + (count > 0 ? $" (data {string.Join(' ', data)})" : "");
    }

    public void Dispose()
    {
        lock (_lifetime)
        {
            _disposed = true;
            _runMapping.Dispose();
            _vcpu.Dispose();
        }
    }
}
