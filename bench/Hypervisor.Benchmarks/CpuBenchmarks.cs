using BenchmarkDotNet.Attributes;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.X86;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.Benchmarks;

/// <summary>
/// Guest instructions per second of the software CPU on a compute-bound guest: a checksum loop over
/// a 64 KiB buffer (loads, adds, rotates, xors, a counted loop) that never exits. Each operation
/// runs <see cref="InstructionsPerOperation"/> guest instructions (the vCPU's instruction limit),
/// and OperationsPerInvoke makes BenchmarkDotNet report the time per guest instruction:
/// instructions per second = 1e9 / Mean(ns).
/// </summary>
[MemoryDiagnoser]
public class CpuBenchmarks
{
    private const int InstructionsPerOperation = 1_000_000;
    private const uint CodeAddress = 0x10000, BufferAddress = 0x20000, BufferSize = 0x10000;

    private GuestMemory _memory = null!;
    private SoftVm _vm = null!;
    private SoftVcpu _vcpu = null!;

    [Params("real16", "flat32")]
    public string Mode { get; set; } = "flat32";

    [GlobalSetup]
    public void Setup()
    {
        _memory = new GuestMemory([(0UL, 0x100000UL)]);
        var data = new byte[BufferSize];
        new Random(1).NextBytes(data);
        _memory.Write(BufferAddress, data);
        _vm = (SoftVm)new SoftAccelerator().CreateVm(_memory);
        _vcpu = (SoftVcpu)_vm.CreateVcpu(0);
        bool flat = Mode == "flat32";
        var a = new Assembler(flat ? 32 : 16);
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        if (flat)
        {
            a.Label(ref outer);
            a.mov(esi, BufferAddress);
            a.mov(ecx, BufferSize / 4);
            a.xor(eax, eax);
            a.Label(ref inner);
            a.add(eax, __dword_ptr[esi]);
            a.rol(eax, 5);
            a.xor(eax, ecx);
            a.add(esi, 4);
            a.dec(ecx);
            a.jnz(inner);
            a.mov(__dword_ptr[0x8000], eax);
            a.jmp(outer);
        }
        else
        {
            // DS = 0x2000 (the buffer), 16-bit registers.
            a.Label(ref outer);
            a.xor(si, si);
            a.mov(cx, (ushort)(BufferSize / 2 - 1));
            a.xor(ax, ax);
            a.Label(ref inner);
            a.add(ax, __word_ptr[si]);
            a.rol(ax, 5);
            a.xor(ax, cx);
            a.add(si, 2);
            a.dec(cx);
            a.jnz(inner);
            a.mov(__word_ptr[0x8000], ax);
            a.jmp(outer);
        }
        var writer = new Writer();
        a.Assemble(writer, flat ? CodeAddress : 0);
        _memory.Write(CodeAddress, writer.Bytes.ToArray());

        var s = _vcpu.GetSpecialRegisters();
        if (flat)
        {
            var code = new SegmentRegister { Limit = 0xFFFFFFFF, Selector = 8, Type = 0xB, Present = true, S = true, Db = true, G = true };
            var dataSeg = new SegmentRegister { Limit = 0xFFFFFFFF, Selector = 0x10, Type = 3, Present = true, S = true, Db = true, G = true };
            s.Cs = code;
            s.Ds = s.Es = s.Ss = s.Fs = s.Gs = dataSeg;
            s.Cr0 = 0x11;
        }
        else
        {
            s.Cs = SegmentRegister.RealMode((ushort)(CodeAddress >> 4), code: true);
            s.Ds = SegmentRegister.RealMode((ushort)(BufferAddress >> 4), code: false);
            s.Es = s.Ss = s.Fs = s.Gs = SegmentRegister.RealMode(0, code: false);
            s.Cr0 = 0;
        }
        _vcpu.SetSpecialRegisters(s);
        var r = _vcpu.GetRegisters();
        r.Rip = flat ? CodeAddress : 0;
        r.Rsp = 0x7000;
        r.Rflags = 2;
        _vcpu.SetRegisters(r);
    }

    [Benchmark(OperationsPerInvoke = InstructionsPerOperation)]
    public ulong ChecksumLoop()
    {
        _vcpu.InstructionLimit = _vcpu.InstructionsRetired!.Value + InstructionsPerOperation;
        var reason = _vcpu.Run();
        if (reason != VcpuExitReason.Intr)
            throw new InvalidOperationException($"guest stopped with {reason}: {_vcpu.Exit.Message}");
        return _vcpu.InstructionsRetired!.Value;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vm.Dispose();
        _memory.Dispose();
    }

    private sealed class Writer : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
