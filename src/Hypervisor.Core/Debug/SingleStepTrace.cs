using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Runtime;
using Iced.Intel;

namespace Hypervisor.Core.Debug;

/// <summary>
/// <c>--trace in_asm</c> / <c>exec</c> for an accelerator that cannot report instructions itself (KVM):
/// the vCPU single-steps (KVM_GUESTDBG_SINGLESTEP) and each stop disassembles the instruction at
/// CS:RIP, which runs next. Slow, as tracing every instruction is; nothing runs when not asked for.
/// Some KVM hosts (kvm_pvm here) report the step after an instruction that exited for I/O or MMIO
/// one instruction late; the instruction that ran unseen is the one after the exiting one (they
/// do not branch), so it is recorded from there.
/// </summary>
public sealed class SingleStepTrace(TraceLog trace, GuestMemory memory) : IVcpuDebugger
{
    private const int MaxInstructionLength = 15;
    private const ulong Cr0ProtectedMode = 1;
    private readonly byte[] _bytes = new byte[MaxInstructionLength];
    /// <summary>Linear address of the instruction after the last one recorded, and whether that one made an I/O or MMIO exit.</summary>
    private ulong _fallThrough;
    private bool _exitedForDevice;

    public void Starting(IVcpu vcpu)
    {
        ((IVcpuDebug)vcpu).SetGuestDebug(new GuestDebug(true, [], []));
        Record(vcpu);
    }

    public bool HandleExit(IVcpu vcpu, VcpuExitReason reason)
    {
        if (reason is VcpuExitReason.Io or VcpuExitReason.Mmio)
            _exitedForDevice = true;
        if (reason != VcpuExitReason.Debug)
            return false;
        Record(vcpu);
        return true;
    }

    private void Record(IVcpu vcpu)
    {
        var r = vcpu.GetRegisters();
        var s = vcpu.GetSpecialRegisters();
        ulong linear = s.Cs.Base + r.Rip;
        if (_exitedForDevice && _fallThrough != 0 && linear != _fallThrough)
            RecordAt(vcpu, s, _fallThrough, _fallThrough - s.Cs.Base);
        _exitedForDevice = false;
        RecordAt(vcpu, s, linear, r.Rip);
    }

    private void RecordAt(IVcpu vcpu, in VcpuSpecialRegisters s, ulong linear, ulong ip)
    {
        _fallThrough = 0;
        int length = ReadCode((IVcpuDebug)vcpu, linear);
        if (length == 0)
            return; // code outside RAM (a ROM): nothing to disassemble
        int bitness = s.Cs.L ? 64 : (s.Cr0 & Cr0ProtectedMode) != 0 && s.Cs.Db ? 32 : 16;
        var decoder = Decoder.Create(bitness, new ByteArrayCodeReader(_bytes, 0, length));
        decoder.IP = ip;
        decoder.Decode(out var instruction);
        _fallThrough = linear + (ulong)instruction.Length;
        trace.Instruction(vcpu.Id, linear, instruction);
    }

    /// <summary>Up to 15 bytes at <paramref name="linear"/>, page by page through the guest's paging; how many were RAM.</summary>
    private int ReadCode(IVcpuDebug vcpu, ulong linear)
    {
        int done = 0;
        while (done < _bytes.Length)
        {
            ulong at = linear + (ulong)done;
            int chunk = (int)Math.Min((ulong)(_bytes.Length - done), 0x1000 - (at & 0xFFF));
            if (!vcpu.TryTranslate(at, out ulong physical) || !memory.IsRam(physical, (ulong)chunk))
                break;
            memory.Read(physical, _bytes.AsSpan(done, chunk));
            done += chunk;
        }
        return done;
    }
}
