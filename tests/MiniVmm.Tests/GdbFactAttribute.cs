namespace MiniVmm.Tests;

/// <summary>What a gdb stub test needs of the host besides gdb.</summary>
public enum GdbHost
{
    /// <summary>The software CPU: runs everywhere.</summary>
    Soft,
    /// <summary>/dev/kvm: single-step and hardware breakpoints.</summary>
    Kvm,
    /// <summary>/dev/kvm whose INT3 and data breakpoints exit to the VMM (KVM_GUESTDBG_USE_SW_BP, DR7 watchpoints).</summary>
    KvmWithBreakpointExits,
}

/// <summary>A gdb stub test: skipped, with the reason, without gdb or without the KVM it needs.</summary>
public sealed class GdbFactAttribute : FactAttribute
{
    public GdbFactAttribute(GdbHost host = GdbHost.Soft)
    {
        if (!File.Exists("/usr/bin/gdb"))
            Skip = "gdb is not installed (scripts/install-prerequisites.sh installs Debian's)";
        else if (host != GdbHost.Soft && new KvmFactAttribute().Skip is { } noKvm)
            Skip = noKvm;
        else if (host == GdbHost.KvmWithBreakpointExits && Directory.Exists("/sys/module/kvm_pvm"))
            Skip = "this host's KVM is kvm_pvm, which emulates INT3 instead of exiting for KVM_GUESTDBG_USE_SW_BP and fires no DR7 data breakpoints";
    }
}
