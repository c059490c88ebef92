namespace Hypervisor.Kvm.Interop;

/// <summary>Version constants of <c>&lt;linux/kvm.h&gt;</c>.</summary>
[NativeConstants("KVM_")]
internal static class KvmApi
{
    /// <summary>KVM_API_VERSION: the only version the stable API has ever had.</summary>
    public const int ApiVersion = 12;

    /// <summary>KVM_PIT_SPEAKER_DUMMY: the PIT's speaker port is emulated as a dummy.</summary>
    public const uint PitSpeakerDummy = 1;

    /// <summary>KVM_CPUID_FLAG_SIGNIFCANT_INDEX (sic): the entry depends on ECX.</summary>
    [NativeName("KVM_CPUID_FLAG_SIGNIFCANT_INDEX")]
    public const uint CpuidFlagSignificantIndex = 1;
}

/// <summary><c>kvm_run.exit_reason</c> values (KVM_EXIT_*).</summary>
[NativeConstants("KVM_EXIT_")]
internal static class KvmExitReason
{
    public const uint Unknown = 0;
    public const uint Exception = 1;
    public const uint Io = 2;
    public const uint Hypercall = 3;
    public const uint Debug = 4;
    public const uint Hlt = 5;
    public const uint Mmio = 6;
    public const uint IrqWindowOpen = 7;
    public const uint Shutdown = 8;
    public const uint FailEntry = 9;
    public const uint Intr = 10;
    public const uint SetTpr = 11;
    public const uint TprAccess = 12;
    public const uint Nmi = 16;
    public const uint InternalError = 17;
    public const uint SystemEvent = 24;
    public const uint IoapicEoi = 26;

    /// <summary>KVM_EXIT_IO_IN: <c>io.direction</c> of IN/INS.</summary>
    public const byte IoIn = 0;

    /// <summary>KVM_EXIT_IO_OUT: <c>io.direction</c> of OUT/OUTS.</summary>
    public const byte IoOut = 1;
}

/// <summary><c>kvm_run.internal.suberror</c> values (KVM_INTERNAL_ERROR_*).</summary>
[NativeConstants("KVM_INTERNAL_ERROR_")]
internal static class KvmInternalError
{
    public const uint Emulation = 1;
    public const uint SimulEx = 2;
    public const uint DeliveryEv = 3;
    public const uint UnexpectedExitReason = 4;
}

/// <summary>Capabilities queried with KVM_CHECK_EXTENSION (KVM_CAP_*).</summary>
[NativeConstants("KVM_CAP_")]
internal static class KvmCapability
{
    public const int Irqchip = 0;
    public const int Hlt = 1;
    public const int UserMemory = 3;
    public const int SetTssAddr = 4;
    public const int ExtCpuid = 7;
    public const int SetIdentityMapAddr = 37;
    public const int Pit2 = 33;
    public const int ImmediateExit = 136;
    public const int Irqfd = 32;
    public const int IrqfdResample = 82;
    public const int Ioeventfd = 36;
}

/// <summary>Flags of <see cref="KvmIoeventfd"/> (KVM_IOEVENTFD_FLAG_*).</summary>
[NativeConstants("KVM_IOEVENTFD_FLAG_")]
internal static class KvmIoeventfdFlag
{
    public const uint Datamatch = 1 << 0;
    public const uint Pio = 1 << 1;
    public const uint Deassign = 1 << 2;
}

/// <summary>Flags of <see cref="KvmIrqfd"/> (KVM_IRQFD_FLAG_*).</summary>
[NativeConstants("KVM_IRQFD_FLAG_")]
internal static class KvmIrqfdFlag
{
    public const uint Deassign = 1 << 0;
    public const uint Resample = 1 << 1;
}
