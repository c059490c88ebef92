using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The whole x87 opcode map (D8-DF, every register form and every memory form) on the software
/// CPU: what a Pentium Pro executes must execute, what it rejects must raise #UD, and nothing may
/// end in "unimplemented instruction" (issue 12 found FCMOVNU, FBSTP and the D9 D8 alias missing).
/// </summary>
public class FpuOpcodeMapTests
{
    private const ushort UdHandler = 0x9000, NoException = 0xFFFF;

    public static TheoryData<byte> EscapeBytes() => [0xD8, 0xD9, 0xDA, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF];

    [Theory, MemberData(nameof(EscapeBytes))]
    public void Every_encoding_executes_or_raises_UD_as_on_a_pentium_pro(byte escape)
    {
        var problems = new List<string>();
        for (int modrm = 0; modrm < 256; modrm++)
        {
            bool register = modrm >= 0xC0;
            if (!register && (modrm & 0xC7) != 0x06)
                continue; // one memory form per /digit: [disp16]
            byte[] bytes = register ? [escape, (byte)modrm] : [escape, (byte)modrm, 0x00, 0x30];
            var decoder = Decoder.Create(16, new ByteArrayCodeReader(bytes));
            var instr = decoder.Decode();
            bool expectUd = instr.Code == Code.INVALID || !OnPentiumPro(instr);
            var (reason, dx, message) = Execute(bytes);
            string name = $"{string.Join(' ', bytes.Select(b => b.ToString("X2")))} ({instr})";
            if (reason != VcpuExitReason.Hlt)
                problems.Add($"{name}: {reason} {message}");
            else if (expectUd && dx != 6)
                problems.Add($"{name}: executed, a Pentium Pro raises #UD");
            else if (!expectUd && dx != NoException)
                problems.Add($"{name}: exception {dx}");
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    /// <summary>WAIT followed by a control instruction decodes as one instruction (FSTSW, FINIT, ...): each must run.</summary>
    [Theory]
    [InlineData(new byte[] { 0x9B, 0xDF, 0xE0 })]             // fstsw ax
    [InlineData(new byte[] { 0x9B, 0xDD, 0x3E, 0x00, 0x30 })] // fstsw [0x3000]
    [InlineData(new byte[] { 0x9B, 0xD9, 0x3E, 0x00, 0x30 })] // fstcw [0x3000]
    [InlineData(new byte[] { 0x9B, 0xD9, 0x36, 0x00, 0x30 })] // fstenv [0x3000]
    [InlineData(new byte[] { 0x9B, 0xDD, 0x36, 0x00, 0x30 })] // fsave [0x3000]
    [InlineData(new byte[] { 0x9B, 0xDB, 0xE2 })]             // fclex
    [InlineData(new byte[] { 0x9B, 0xDB, 0xE3 })]             // finit
    [InlineData(new byte[] { 0x9B, 0xDB, 0xE0 })]             // feni
    [InlineData(new byte[] { 0x9B, 0xDB, 0xE1 })]             // fdisi
    [InlineData(new byte[] { 0x9B, 0xDB, 0xE4 })]             // fsetpm
    public void Wait_forms_of_the_control_instructions_run(byte[] bytes)
    {
        var (reason, dx, message) = Execute(bytes);
        Assert.True(reason == VcpuExitReason.Hlt, $"{reason}: {message}");
        Assert.Equal(NoException, dx);
    }

    /// <summary>
    /// Iced decodes a few encodings a Pentium Pro does not have: FISTTP (SSE3) and the 287XL's
    /// FRSTPM. FNENI, FNDISI and FNSETPM (8087/287) execute as FNOP on a 387 and later.
    /// </summary>
    private static bool OnPentiumPro(in Instruction instr) => instr.Mnemonic is not (Mnemonic.Fisttp or Mnemonic.Frstpm);

    /// <summary>Real mode, ST0 = pi and ST1 = 1 with six empty registers, a double 2.5 at 0x3000; returns DX (the #UD vector or FFFF).</summary>
    private static (VcpuExitReason Reason, ulong Dx, string? Message) Execute(byte[] instruction)
    {
        using var h = new CpuHarness((0, 0x10000));
        h.Load(UdHandler, h.Assemble(16, UdHandler, a => { a.mov(dx, 6); a.hlt(); }));
        h.Load(6 * 4, BitConverter.GetBytes((uint)UdHandler));
        h.Load(0x3000, BitConverter.GetBytes(2.5));
        h.Load(Snippet.RealCode, h.Assemble(16, Snippet.RealCode, a =>
        {
            a.mov(dx, NoException);
            a.fninit();
            a.fld1();
            a.fldpi();
            a.db(instruction);
            a.hlt();
        }));
        h.SetRealMode(0, (ushort)Snippet.RealCode, 0, 0x7000);
        var reason = h.Run();
        return (reason, h.Regs.Rdx & 0xFFFF, h.Vcpu.Exit.Message);
    }
}
