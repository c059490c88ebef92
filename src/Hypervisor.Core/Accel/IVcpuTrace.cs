namespace Hypervisor.Core.Accel;

/// <summary>How an interrupt or exception reached the vCPU, for the <c>int</c> trace.</summary>
public enum InterruptSource
{
    /// <summary>An exception raised by an instruction (#PF, #GP, ...).</summary>
    Exception,
    /// <summary>INT n, INT3, INTO.</summary>
    Software,
    /// <summary>A vector from the interrupt controller (INTR).</summary>
    External,
}

/// <summary>Where a vCPU reports what it executes and delivers, for <c>--trace in_asm,int</c>; called on the vCPU's thread.</summary>
public interface ICpuTraceSink
{
    /// <summary>Whether <see cref="Instruction"/> is wanted (it makes the software CPU execute one instruction at a time).</summary>
    bool Instructions { get; }

    /// <summary>Whether <see cref="Interrupt"/> is wanted.</summary>
    bool Interrupts { get; }

    /// <summary>The instruction at linear address <paramref name="linear"/> is about to run.</summary>
    void Instruction(int vcpu, ulong linear, in Iced.Intel.Instruction instruction);

    /// <summary>An interrupt or exception is being delivered at CS:EIP (the instruction's, for a fault).</summary>
    void Interrupt(int vcpu, byte vector, InterruptSource source, uint? errorCode, ushort cs, ulong eip);
}

/// <summary>An <see cref="IVcpu"/> that can report its instructions and interrupts (the software CPU).</summary>
public interface IVcpuTrace
{
    /// <summary>Starts (or, with null, stops) reporting to <paramref name="sink"/>.</summary>
    void SetTrace(ICpuTraceSink? sink);
}
