using Hypervisor.Core.Accel;
using Iced.Intel;

namespace Hypervisor.Core.Debug;

/// <summary>
/// The <c>--trace</c> log: one line per event of the chosen categories, to a file or stderr, with
/// instruction and interrupt addresses filtered by the ranges (QEMU's -dfilter). The hot paths see
/// only a null check: a vCPU loop or CPU with no trace holds no TraceLog.
/// </summary>
public sealed class TraceLog : ICpuTraceSink, IDisposable
{
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly IReadOnlyList<(ulong First, ulong Last)>? _ranges;
    private readonly NasmFormatter _formatter = new();
    private readonly StringOutput _output = new();
    private readonly Lock _lock = new();

    /// <param name="categories">What to record.</param>
    /// <param name="writer">Where the lines go.</param>
    /// <param name="ownsWriter">Whether <see cref="Dispose"/> closes <paramref name="writer"/> (a file) or only flushes it (stderr).</param>
    /// <param name="ranges">Instruction and interrupt addresses to keep; null for all.</param>
    public TraceLog(TraceCategories categories, TextWriter writer, bool ownsWriter, IReadOnlyList<(ulong First, ulong Last)>? ranges = null)
    {
        Categories = categories;
        _writer = writer;
        _ownsWriter = ownsWriter;
        _ranges = ranges;
    }

    public TraceCategories Categories { get; }

    public bool Instructions => (Categories & (TraceCategories.InAsm | TraceCategories.Exec)) != 0;

    public bool Interrupts => (Categories & TraceCategories.Int) != 0;

    public void Instruction(int vcpu, ulong linear, in Instruction instruction)
    {
        if (!InRange(linear))
            return;
        lock (_lock)
        {
            if ((Categories & TraceCategories.InAsm) != 0)
            {
                _output.Reset();
                _formatter.Format(instruction, _output);
                _writer.WriteLine($"in_asm cpu{vcpu} 0x{linear:x8}: {_output}");
            }
            else
            {
                _writer.WriteLine($"exec cpu{vcpu} 0x{linear:x8}");
            }
        }
    }

    public void Interrupt(int vcpu, byte vector, InterruptSource source, uint? errorCode, ushort cs, ulong eip)
    {
        if (!InRange(eip))
            return;
        string error = errorCode is { } e ? $" error 0x{e:x}" : "";
        Line($"int cpu{vcpu} vector 0x{vector:x2} ({source.ToString().ToLowerInvariant()}{error}) at {cs:x4}:{eip:x8}");
    }

    /// <summary>An exit, with what it is about.</summary>
    public void Exit(IVcpu vcpu, VcpuExitReason reason)
    {
        if ((Categories & TraceCategories.Exits) == 0)
            return;
        var e = vcpu.Exit;
        string detail = reason switch
        {
            VcpuExitReason.Io => $" {(e.IoDirection == IoDirection.Out ? "out" : "in")} port 0x{e.IoPort:x} size {e.IoSize} count {e.IoCount}",
            VcpuExitReason.Mmio => $" {(e.MmioIsWrite ? "write" : "read")} 0x{e.MmioAddress:x} size {e.MmioLength}",
            VcpuExitReason.Debug => $" {e.DebugStop} 0x{e.DebugAddress:x}",
            _ => e.Message is { } m ? $" {m}" : "",
        };
        Line($"exit cpu{vcpu.Id} {reason.ToString().ToLowerInvariant()}{detail}");
    }

    public void Port(int vcpu, bool write, ushort port, int size, ulong value, string? device)
    {
        if ((Categories & TraceCategories.Io) != 0)
            Line($"io cpu{vcpu} {(write ? "out" : "in ")} port 0x{port:x4} size {size} value 0x{value:x} ({device ?? "no device"})");
    }

    public void Mmio(int vcpu, bool write, ulong address, int size, ulong value, string? device)
    {
        if ((Categories & TraceCategories.Io) != 0)
            Line($"io cpu{vcpu} {(write ? "write" : "read ")} mmio 0x{address:x} size {size} value 0x{value:x} ({device ?? "no device"})");
    }

    /// <summary>The vCPU's state as it starts (power-on, or after a reset).</summary>
    public void CpuReset(IVcpu vcpu)
    {
        if ((Categories & TraceCategories.CpuReset) == 0)
            return;
        var r = vcpu.GetRegisters();
        var s = vcpu.GetSpecialRegisters();
        Line($"cpu_reset cpu{vcpu.Id} EAX={r.Rax:x8} EBX={r.Rbx:x8} ECX={r.Rcx:x8} EDX={r.Rdx:x8} ESI={r.Rsi:x8} EDI={r.Rdi:x8} " +
             $"EBP={r.Rbp:x8} ESP={r.Rsp:x8} EIP={r.Rip:x8} EFL={r.Rflags:x8} CS={s.Cs.Selector:x4}:{s.Cs.Base:x8} " +
             $"SS={s.Ss.Selector:x4} DS={s.Ds.Selector:x4} CR0={s.Cr0:x8} CR3={s.Cr3:x8} CR4={s.Cr4:x8} EFER={s.Efer:x}");
    }

    private bool InRange(ulong address)
    {
        if (_ranges == null)
            return true;
        foreach (var (first, last) in _ranges)
        {
            if (address >= first && address <= last)
                return true;
        }
        return false;
    }

    private void Line(string text)
    {
        lock (_lock)
            _writer.WriteLine(text);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _writer.Flush();
            if (_ownsWriter)
                _writer.Dispose();
        }
    }
}
