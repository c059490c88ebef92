using Hypervisor.Core.Accel;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.SseHarness;

namespace Hypervisor.X86.Tests;

/// <summary>The SSE state rules: CR0/CR4 gating, MXCSR (LDMXCSR/STMXCSR, reset value), FXSAVE/FXRSTOR layout, CPUID, and an opcode sweep.</summary>
public class SseStateTests
{
    [Fact]
    public void Sse_instructions_raise_ud_without_osfxsr_or_with_em_and_nm_with_ts()
    {
        Assert.Equal(6u, Run(a => a.xorps(xmm0, xmm0), cr4Bits: 0).Vector);
        Assert.Equal(6u, Run(a => a.xorps(xmm0, xmm0), cr0Set: 4).Vector);
        Assert.Equal(7u, Run(a => a.paddb(xmm0, xmm0), cr0Set: 8).Vector);
        Assert.Equal(NoFault, Run(a => { a.sfence(); a.lfence(); a.mfence(); a.prefetchnta(__byte_ptr[In]); a.clflush(__byte_ptr[In]); }, cr4Bits: 0).Vector);
    }

    [Fact]
    public void Ldmxcsr_rejects_reserved_bits_with_gp_and_stmxcsr_reads_back()
    {
        Assert.Equal(13u, Run(a => a.ldmxcsr(__dword_ptr[In]), U32s(0x10000)).Vector);
        var r = Run(a => { a.ldmxcsr(__dword_ptr[In]); a.stmxcsr(__dword_ptr[Out]); }, U32s(0xFFFF));
        Assert.Equal(0xFFFFu, r.U32(0));
    }

    [Fact]
    public void Fxsave_stores_mxcsr_its_mask_and_xmm_at_their_sdm_offsets_and_fxrstor_reloads_them()
    {
        var r = Run(a =>
        {
            a.movdqu(xmm7, __xmmword_ptr[In]);
            a.fxsave(__[Out]);
            a.pxor(xmm7, xmm7);
            a.fxrstor(__[Out]);
            a.movdqu(__xmmword_ptr[Out + 0x280], xmm7);
        }, Enumerable.Range(1, 16).Select(i => (byte)i).ToArray(), mxcsr: 0x3F80, setup: h => h.Load(Out, new byte[0x300]));
        Assert.Equal(0x3F80u, r.U32(24));
        Assert.Equal(0xFFFFu, r.U32(28));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), r.Out[(160 + 7 * 16)..(160 + 8 * 16)]);
        Assert.Equal(Enumerable.Range(1, 16).Select(i => (byte)i), r.Out[0x280..0x290]);
    }

    [Fact]
    public void Fxrstor_with_a_reserved_mxcsr_bit_raises_gp()
    {
        var image = new byte[512];
        BitConverter.GetBytes(0x00011F80u).CopyTo(image, 24);
        Assert.Equal(13u, Run(a => a.fxrstor(__[In]), image).Vector);
    }

    [Fact]
    public void Cpuid_reports_sse_sse2_clflush_and_no_mmx()
    {
        var r = Run(a => { a.mov(eax, 1); a.cpuid(); a.mov(__dword_ptr[Out], edx); a.mov(__dword_ptr[Out + 4], ebx); });
        uint features = r.U32(0);
        Assert.True((features & (1u << 25)) != 0 && (features & (1u << 26)) != 0 && (features & (1u << 19)) != 0 && (features & (1u << 24)) != 0);
        Assert.Equal(0u, features & (1u << 23));
        Assert.Equal(8u, (r.U32(4) >> 8) & 0xFF);
    }

    /// <summary>
    /// Every 0F xx opcode with no prefix and with 66, F2, F3, in register and memory forms, in real
    /// mode with CR4.OSFXSR: an SSE/SSE2 encoding must run (no #UD, none unimplemented); a form with
    /// an MMX register (or CVTPI2PS/PD's m64) must raise #UD, since MMX is not advertised.
    /// </summary>
    [Fact]
    public void Every_sse_and_sse2_encoding_runs_and_every_mmx_form_is_ud()
    {
        var problems = new List<string>();
        var seen = new HashSet<Code>();
        int sseRun = 0;
        foreach (byte? prefix in new byte?[] { null, 0x66, 0xF2, 0xF3 })
        {
            for (int op = 0; op < 256; op++)
            {
                if (op is 0x0F or 0x38 or 0x3A)
                    continue;
                foreach (byte modrm in new byte[] { 0xC1, 0x06, 0x0E, 0x16, 0x1E, 0x26, 0x2E, 0x36, 0x3E, 0xD1, 0xE1, 0xF1 })
                {
                    byte[] bytes = [.. prefix is { } p ? new[] { p } : [], 0x0F, (byte)op, modrm, 0x00, 0x30, 0x01, 0x00, 0x00, 0x00];
                    var instr = Decoder.Create(16, new ByteArrayCodeReader(bytes)).Decode();
                    if (instr.Code == Code.INVALID || !seen.Add(instr.Code))
                        continue;
                    bool sse = instr.CpuidFeatures.Any(f => f is CpuidFeature.SSE or CpuidFeature.SSE2 or CpuidFeature.CLFSH);
                    bool mmx = instr.Code.ToString().Split('_').Skip(1).Any(t => t == "mm" || t.StartsWith("mmm"));
                    if (!sse && !mmx)
                        continue;
                    var (reason, message) = Execute(bytes[..instr.Length]);
                    string what = $"{string.Join(" ", bytes[..instr.Length].Select(b => b.ToString("X2")))} {instr}";
                    if (reason == VcpuExitReason.InternalError)
                        problems.Add($"{what}: {message}");
                    else if (mmx && message != "#UD")
                        problems.Add($"{what}: an MMX form ran");
                    else if (!mmx && message == "#UD")
                        problems.Add($"{what}: raised #UD");
                    else if (!mmx)
                        sseRun++;
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        Assert.True(sseRun > 150, $"only {sseRun} SSE/SSE2 encodings ran");
    }

    private static (VcpuExitReason Reason, string? Message) Execute(byte[] instruction)
    {
        using var h = new CpuHarness((0, 0x20000));
        h.Vcpu.InstructionLimit = 100;
        for (int v = 0; v < 256; v++)
            h.Load((ulong)(4 * v), BitConverter.GetBytes(0x00009000u));
        h.Load(0x9000, [0xF4]);
        h.Load(6 * 4, BitConverter.GetBytes(0x00009100u));
        h.Load(0x9100, [0xF4]);
        h.Load(0x1000, [.. instruction, 0xF4]);
        h.SetRealMode(0, 0x1000, 0, 0x7000);
        var s = h.Vcpu.GetSpecialRegisters();
        s.Cr4 = 0x600;
        h.Vcpu.SetSpecialRegisters(s);
        var reason = h.Run();
        if (reason == VcpuExitReason.Hlt && h.Regs.Rip == 0x9101)
            return (reason, "#UD");
        return (reason, h.Vcpu.Exit.Message);
    }
}
