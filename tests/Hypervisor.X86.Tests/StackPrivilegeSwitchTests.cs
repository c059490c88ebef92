using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// INT n (and a far CALL through a call gate) from ring 3 to ring 0 and IRET (RETF) back, for user
/// stack size × kernel stack size × gate size:
/// the frame goes on the TSS stack with the gate's size and the kernel stack's addressing; IRET to
/// a 16-bit outer stack replaces only SP, keeping the kernel ESP's high word (what Linux's espfix
/// works around; QEMU does the same).
/// </summary>
public class StackPrivilegeSwitchTests
{
    private const ulong Gdt = 0x1000, Idt = 0x2000, Tss = 0x3000, UserCode = 0x8000, Handler = 0x9000;
    private const ushort KernelCs = 0x08, KernelSs32 = 0x10, KernelSs16 = 0x18, UserCs = 0x23, UserSs32 = 0x2B, UserSs16 = 0x33, TssSel = 0x38, GateSel = 0x43;
    private const uint UserEsp = 0x20000, KernelEsp = 0x30000;

    public static TheoryData<int, int, int> Sizes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int user in new[] { 16, 32 })
            foreach (int kernel in new[] { 16, 32 })
                foreach (int gate in new[] { 16, 32 })
                    data.Add(user, kernel, gate);
        return data;
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Int_from_ring3_pushes_on_the_tss_stack_and_iret_restores_the_user_stack(int user, int kernel, int gate)
    {
        int g = gate / 8;
        using var h = new CpuHarness();
        Setup(h, user, kernel, gate);

        Assert.Equal(VcpuExitReason.Hlt, h.Run()); // in the handler, ring 0
        uint kernelTop = kernel == 32 ? KernelEsp - (uint)(5 * g) : (KernelEsp & 0xFFFF0000) | ((KernelEsp - (uint)(5 * g)) & 0xFFFF);
        Assert.Equal(kernelTop, (uint)h.Regs.Rsp);
        uint at = kernel == 32 ? kernelTop : kernelTop & 0xFFFF;
        uint mask = g == 4 ? 0xFFFFFFFF : 0xFFFF;
        uint[] frame = [(uint)UserCode + 2, UserCs, 0x3202, UserEsp, user == 32 ? UserSs32 : UserSs16];
        for (int i = 0; i < 5; i++)
            Assert.Equal(frame[i] & mask, BitConverter.ToUInt32(h.Read(at + (ulong)(i * g), 4)) & mask);

        Assert.Equal(VcpuExitReason.Io, h.Run()); // IRET back to ring 3, then OUT
        uint poppedEsp = UserEsp & mask;
        uint expected = user == 32 ? poppedEsp : (kernelTop & 0xFFFF0000) | (poppedEsp & 0xFFFF);
        Assert.Equal(expected, (uint)h.Regs.Rsp);
        Assert.Equal(3, h.Vcpu.GetSpecialRegisters().Cs.Selector & 3);
    }

    /// <summary>CALL FAR through a call gate with two parameters: they are copied with the gate's size; RETF 2n releases them on both stacks.</summary>
    [Theory, MemberData(nameof(Sizes))]
    public void Call_gate_from_ring3_copies_parameters_to_the_tss_stack_and_retf_returns(int user, int kernel, int gate)
    {
        int g = gate / 8;
        using var h = new CpuHarness();
        Setup(h, user, kernel, gate);
        // push the two parameters with the gate's size, then call far GateSel:0; out 0x80, al.
        byte[] pushes = g == 4 ? [0x68, 0x22, 0x22, 0, 0, 0x68, 0x11, 0x11, 0, 0] : [0x66, 0x68, 0x22, 0x22, 0x66, 0x68, 0x11, 0x11];
        h.Load(UserCode, [.. pushes, 0x9A, 0, 0, 0, 0, (byte)GateSel, 0, 0xE6, 0x80]);
        h.Load(Handler, g == 4 ? [0xF4, 0xCA, 8, 0] : [0xF4, 0x66, 0xCA, 4, 0]); // hlt; retf 2n
        uint callAt = (uint)UserCode + (uint)pushes.Length;
        uint userAtCall = user == 32 ? UserEsp - (uint)(2 * g) : (UserEsp & 0xFFFF0000) | ((UserEsp - (uint)(2 * g)) & 0xFFFF);

        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        uint kernelTop = kernel == 32 ? KernelEsp - (uint)(6 * g) : (KernelEsp & 0xFFFF0000) | ((KernelEsp - (uint)(6 * g)) & 0xFFFF);
        Assert.Equal(kernelTop, (uint)h.Regs.Rsp);
        uint at = kernel == 32 ? kernelTop : kernelTop & 0xFFFF;
        uint mask = g == 4 ? 0xFFFFFFFF : 0xFFFF;
        uint[] frame = [callAt + 7, UserCs, 0x1111, 0x2222, userAtCall, user == 32 ? UserSs32 : UserSs16];
        for (int i = 0; i < frame.Length; i++)
            Assert.Equal(frame[i] & mask, BitConverter.ToUInt32(h.Read(at + (ulong)(i * g), 4)) & mask);

        Assert.Equal(VcpuExitReason.Io, h.Run());
        uint outer = (userAtCall & mask) + (uint)(2 * g);
        uint expected = user == 32 ? outer : (kernelTop & 0xFFFF0000) | (outer & 0xFFFF);
        Assert.Equal(expected, (uint)h.Regs.Rsp);
        Assert.Equal(callAt + 9, (uint)h.Regs.Rip);
    }

    private static void Setup(CpuHarness h, int user, int kernel, int gate)
    {
        ulong Segment(uint type, int dpl, bool big) =>
            0xFFFFUL | ((ulong)(0x000F0000u | (type << 8) | (1u << 12) | ((uint)dpl << 13) | (1u << 15) | (big ? 1u << 22 : 0) | (1u << 23)) << 32);
        ulong tss = 0x67UL | ((Tss & 0xFFFFFF) << 16) | ((ulong)(0x89u << 8) << 32);
        uint gateHigh = (uint)(Handler & 0xFFFF0000) | (1u << 15) | (3u << 13) | ((gate == 32 ? 0xCu : 0x4u) << 8) | 2; // 2 parameters
        ulong callGate = ((uint)KernelCs << 16) | (Handler & 0xFFFF) | ((ulong)gateHigh << 32);
        ulong[] gdt = [0, Segment(0xB, 0, true), Segment(0x3, 0, true), Segment(0x3, 0, false),
            Segment(0xB, 3, true), Segment(0x3, 3, true), Segment(0x3, 3, false), tss, callGate];
        for (int i = 0; i < gdt.Length; i++)
            h.Load(Gdt + (ulong)(8 * i), BitConverter.GetBytes(gdt[i]));
        h.Load(Tss + 4, BitConverter.GetBytes(KernelEsp));
        h.Load(Tss + 8, BitConverter.GetBytes((uint)(kernel == 32 ? KernelSs32 : KernelSs16)));
        uint type = gate == 32 ? 0xEu : 0x6u;
        uint low = ((uint)KernelCs << 16) | (uint)(Handler & 0xFFFF);
        uint high = (uint)(Handler & 0xFFFF0000) | (1u << 15) | (3u << 13) | (type << 8);
        h.Load(Idt + 8 * 0x40, BitConverter.GetBytes(low | ((ulong)high << 32)));
        h.Load(UserCode, [0xCD, 0x40, 0xE6, 0x80]);                     // int 0x40; out 0x80, al
        h.Load(Handler, gate == 32 ? [0xF4, 0xCF] : [0xF4, 0x66, 0xCF]); // hlt; iret (o16 for a 16-bit frame)

        var s = h.Vcpu.GetSpecialRegisters();
        SegmentRegister Cache(ushort sel, byte type, bool big) => new()
        {
            Base = 0, Limit = 0xFFFFFFFF, Selector = sel, Type = type, Present = true, S = true, Db = big, G = true, Dpl = (byte)(sel & 3),
        };
        s.Cs = Cache(UserCs, 0xB, true);
        s.Ds = s.Es = s.Fs = s.Gs = Cache(UserSs32, 0x3, true);
        s.Ss = Cache(user == 32 ? UserSs32 : UserSs16, 0x3, user == 32);
        s.Tr = new SegmentRegister { Base = Tss, Limit = 0x67, Selector = TssSel, Type = 0xB, Present = true };
        s.Gdt = new DescriptorTableRegister { Base = Gdt, Limit = (ushort)(8 * gdt.Length - 1) };
        s.Idt = new DescriptorTableRegister { Base = Idt, Limit = 0x7FF };
        s.Cr0 = 0x11;
        h.Vcpu.SetSpecialRegisters(s);
        h.Vcpu.SetRegisters(new VcpuRegisters { Rip = UserCode, Rsp = UserEsp, Rflags = 0x3202 }); // IOPL 3: OUT at ring 3
    }
}
