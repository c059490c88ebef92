using Hypervisor.Core.Accel;
using Hypervisor.Core.Apic;
using Hypervisor.Core.Runtime;
using Hypervisor.Core.Memory;
using Iced.Intel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// A real GuestMemory, a SoftVm and one SoftVcpu, with helpers to place code (raw bytes or Iced's
/// assembler), set real- or protected-mode state, and run to the next exit.
/// </summary>
public sealed class CpuHarness : IDisposable
{
    public GuestMemory Memory { get; }
    public SoftVm Vm { get; }
    public SoftVcpu Vcpu { get; }

    public CpuHarness(params (ulong Base, ulong Size)[] ranges)
        : this(null, ranges)
    {
    }

    private CpuHarness(VmOptions? options, (ulong Base, ulong Size)[] ranges)
    {
        Memory = new GuestMemory(ranges.Length == 0 ? [(0UL, 0x100000UL)] : ranges);
        Vm = (SoftVm)new SoftAccelerator().CreateVm(Memory, options);
        Vcpu = (SoftVcpu)Vm.CreateVcpu(0);
        Vcpu.InstructionLimit = 1_000_000;
    }

    /// <summary>
    /// A machine with <c>"apic": true</c>: vCPU 0 (the BSP) has a local APIC on <see cref="ApicBus"/>,
    /// and time is the deterministic clock of vCPU 0's retired instructions (run its timers with
    /// <see cref="DeterministicClock.RunDueTimers"/>, as the exit loop does).
    /// </summary>
    public static CpuHarness WithApic(params (ulong Base, ulong Size)[] ranges)
    {
        CpuHarness? h = null;
        var clock = new DeterministicClock(() => h?.Vcpu.InstructionsRetired ?? 0);
        var bus = new ApicBus(() => { });
        h = new CpuHarness(new VmOptions { Apic = bus, Clock = clock }, ranges) { ApicBus = bus, Clock = clock };
        return h;
    }

    /// <summary>The APIC bus of a harness made by <see cref="WithApic"/>, else null.</summary>
    public ApicBus? ApicBus { get; private init; }

    /// <summary>The deterministic clock of a harness made by <see cref="WithApic"/>, else null.</summary>
    public DeterministicClock? Clock { get; private init; }

    /// <summary>Real mode with CS = <paramref name="cs"/>, IP = <paramref name="ip"/>, DS = ES = SS = <paramref name="data"/>.</summary>
    public void SetRealMode(ushort cs, ushort ip, ushort data = 0, ushort sp = 0xFFFE)
    {
        var s = Vcpu.GetSpecialRegisters();
        s.Cs = SegmentRegister.RealMode(cs, code: true);
        s.Ds = s.Es = s.Ss = s.Fs = s.Gs = SegmentRegister.RealMode(data, code: false);
        s.Cr0 = 0;
        s.Idt = new DescriptorTableRegister { Base = 0, Limit = 0x3FF };
        Vcpu.SetSpecialRegisters(s);
        var r = Vcpu.GetRegisters();
        r.Rip = ip;
        r.Rsp = sp;
        r.Rflags = 2;
        Vcpu.SetRegisters(r);
    }

    /// <summary>Flat 32-bit protected mode (base 0, limit 4 GiB) with CPL 0 and no GDT in memory.</summary>
    public void SetFlatProtectedMode(uint eip, uint esp = 0x80000)
    {
        var s = Vcpu.GetSpecialRegisters();
        var code = new SegmentRegister { Base = 0, Limit = 0xFFFFFFFF, Selector = 0x08, Type = 0xB, Present = true, S = true, Db = true, G = true };
        var data = new SegmentRegister { Base = 0, Limit = 0xFFFFFFFF, Selector = 0x10, Type = 0x3, Present = true, S = true, Db = true, G = true };
        s.Cs = code;
        s.Ds = s.Es = s.Ss = s.Fs = s.Gs = data;
        s.Cr0 = 0x11;
        Vcpu.SetSpecialRegisters(s);
        var r = Vcpu.GetRegisters();
        r.Rip = eip;
        r.Rsp = esp;
        r.Rflags = 2;
        Vcpu.SetRegisters(r);
    }

    public void Load(ulong address, ReadOnlySpan<byte> bytes) => Memory.Write(address, bytes);

    /// <summary>Assembles with Iced at <paramref name="address"/> (which is also the IP the code assumes).</summary>
    public byte[] Assemble(int bitness, ulong ip, Action<Assembler> build)
    {
        var a = new Assembler(bitness);
        build(a);
        var writer = new BytesWriter();
        a.Assemble(writer, ip);
        return writer.Bytes.ToArray();
    }

    public VcpuExitReason Run() => Vcpu.Run();

    public VcpuRegisters Regs => Vcpu.GetRegisters();

    public byte[] Read(ulong address, int length)
    {
        var b = new byte[length];
        Memory.Read(address, b);
        return b;
    }

    public void Dispose()
    {
        Vm.Dispose();
        Memory.Dispose();
    }

    private sealed class BytesWriter : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
