using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.ProtectedModeTests;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Runs SSE code in flat 32-bit ring 0 (booted like a loader) with CR4.OSFXSR and OSXMMEXCPT set
/// (unless told otherwise) and a chosen MXCSR; the input bytes sit at <see cref="In"/>, the code
/// stores its results at <see cref="Out"/>. #UD, #NM, #GP and #XM go to handlers that halt with
/// the vector in EDX (and, for #XM, store MXCSR); a normal end leaves EDX = 0xFFFFFFFF.
/// </summary>
public static class SseHarness
{
    public const uint In = 0x40000, Out = 0x60000, MxcsrSlot = 0x5F000, NoFault = 0xFFFFFFFF;
    private static readonly int[] Vectors = [6, 7, 13, 19];

    public sealed record Result(byte[] Out, uint Mxcsr, uint Vector, VcpuRegisters Regs)
    {
        public uint U32(int offset) => BitConverter.ToUInt32(Out, offset);
        public ulong U64(int offset) => BitConverter.ToUInt64(Out, offset);
    }

    public static Result Run(Action<Assembler> code, byte[]? input = null, uint mxcsr = 0x1F80, uint cr4Bits = 0x600, uint cr0Set = 0, Action<CpuHarness>? setup = null, int outLength = 0x300)
    {
        using var h = Boot(a =>
        {
            a.lidt(__[0x510]);
            a.mov(eax, cr4Bits);
            a.mov(cr4, eax);
            if (cr4Bits != 0)
            {
                a.mov(__dword_ptr[MxcsrSlot], mxcsr);
                a.ldmxcsr(__dword_ptr[MxcsrSlot]);
            }
            a.mov(eax, cr0);
            a.or(eax, cr0Set);
            a.mov(cr0, eax);
            code(a);
            a.mov(edx, NoFault);
            a.clts();
            if (cr4Bits != 0)
                a.stmxcsr(__dword_ptr[MxcsrSlot]);
            a.hlt();
        });
        h.Load(0x510, Dtr(0x7FF, Idt));
        foreach (int v in Vectors)
        {
            uint handler = 0x30000 + (uint)v * 0x40;
            h.Load(handler, h.Assemble(32, handler, a =>
            {
                a.mov(edx, (uint)v);
                if (v == 19)
                    a.stmxcsr(__dword_ptr[MxcsrSlot]);
                a.hlt();
            }));
            h.Load(Idt + (ulong)(8 * v), BitConverter.GetBytes(Gate(KernelCode, handler, 0xE, 0)));
        }
        if (input != null)
            h.Load(In, input);
        setup?.Invoke(h);
        RunWithMessage(h);
        var regs = h.Regs;
        return new Result(h.Read(Out, outLength), BitConverter.ToUInt32(h.Read(MxcsrSlot, 4)), (uint)regs.Rdx, regs);
    }

    public static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
    public static byte[] Doubles(params double[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
    public static byte[] U32s(params uint[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
    public static byte[] U64s(params ulong[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
}
