using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.SseHarness;

namespace Hypervisor.X86.Tests;

/// <summary>SSE2 packed integer, logic, shuffle, shift and move forms, by their results on chosen lanes.</summary>
public class SseIntegerTests
{
    private static readonly byte[] A = [0x00, 0x7F, 0x80, 0xFF, 0x10, 0x20, 0x30, 0x40, 0xF0, 0x01, 0x02, 0x03, 0x90, 0x70, 0x55, 0xAA];
    private static readonly byte[] B = [0x01, 0x01, 0x01, 0x01, 0xF0, 0xF0, 0x10, 0x10, 0x20, 0xFF, 0x02, 0x04, 0x90, 0x90, 0xAA, 0x55];

    /// <summary>op xmm0 (A), [B] and the 16 result bytes.</summary>
    private static byte[] Binary(Action<Iced.Intel.Assembler> op)
    {
        var r = Run(a =>
        {
            a.movdqu(xmm0, __xmmword_ptr[In]);
            op(a);
            a.movdqu(__xmmword_ptr[Out], xmm0);
        }, [.. A, .. B]);
        Assert.Equal(NoFault, r.Vector);
        return r.Out[..16];
    }

    private static byte[] Bytes(Func<int, int> f) => Enumerable.Range(0, 16).Select(i => (byte)f(i)).ToArray();

    [Fact]
    public void Byte_additions_wrap_or_saturate()
    {
        Assert.Equal(Bytes(i => A[i] + B[i]), Binary(a => a.paddb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Min(A[i] + B[i], 255)), Binary(a => a.paddusb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Clamp((sbyte)A[i] + (sbyte)B[i], -128, 127)), Binary(a => a.paddsb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Max(A[i] - B[i], 0)), Binary(a => a.psubusb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Clamp((sbyte)A[i] - (sbyte)B[i], -128, 127)), Binary(a => a.psubsb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => (A[i] + B[i] + 1) >> 1), Binary(a => a.pavgb(xmm0, __xmmword_ptr[In + 16])));
    }

    [Fact]
    public void Byte_compares_min_max_and_logic()
    {
        Assert.Equal(Bytes(i => A[i] == B[i] ? 0xFF : 0), Binary(a => a.pcmpeqb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => (sbyte)A[i] > (sbyte)B[i] ? 0xFF : 0), Binary(a => a.pcmpgtb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Min(A[i], B[i])), Binary(a => a.pminub(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => ~A[i] & B[i]), Binary(a => a.pandn(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => A[i] ^ B[i]), Binary(a => a.xorps(xmm0, __xmmword_ptr[In + 16])));
    }

    [Fact]
    public void Word_multiplies_and_pmaddwd()
    {
        short W(byte[] v, int i) => BitConverter.ToInt16(v, 2 * i);
        var lo = Binary(a => a.pmullw(xmm0, __xmmword_ptr[In + 16]));
        var hi = Binary(a => a.pmulhw(xmm0, __xmmword_ptr[In + 16]));
        var madd = Binary(a => a.pmaddwd(xmm0, __xmmword_ptr[In + 16]));
        for (int i = 0; i < 8; i++)
        {
            int p = W(A, i) * W(B, i);
            Assert.Equal((short)p, BitConverter.ToInt16(lo, 2 * i));
            Assert.Equal((short)(p >> 16), BitConverter.ToInt16(hi, 2 * i));
        }
        for (int i = 0; i < 4; i++)
            Assert.Equal(W(A, 2 * i) * W(B, 2 * i) + W(A, 2 * i + 1) * W(B, 2 * i + 1), BitConverter.ToInt32(madd, 4 * i));
    }

    [Fact]
    public void Psadbw_sums_absolute_differences_per_quadword_and_pmuludq_multiplies_even_dwords()
    {
        var sad = Binary(a => a.psadbw(xmm0, __xmmword_ptr[In + 16]));
        Assert.Equal((ulong)Enumerable.Range(0, 8).Sum(i => Math.Abs(A[i] - B[i])), BitConverter.ToUInt64(sad, 0));
        Assert.Equal((ulong)Enumerable.Range(8, 8).Sum(i => Math.Abs(A[i] - B[i])), BitConverter.ToUInt64(sad, 8));
        var mul = Binary(a => a.pmuludq(xmm0, __xmmword_ptr[In + 16]));
        Assert.Equal((ulong)BitConverter.ToUInt32(A, 0) * BitConverter.ToUInt32(B, 0), BitConverter.ToUInt64(mul, 0));
        Assert.Equal((ulong)BitConverter.ToUInt32(A, 8) * BitConverter.ToUInt32(B, 8), BitConverter.ToUInt64(mul, 8));
    }

    [Fact]
    public void Packs_saturate_and_unpacks_interleave()
    {
        short W(int i) => BitConverter.ToInt16(i < 8 ? A : B, 2 * (i & 7));
        Assert.Equal(Bytes(i => Math.Clamp((int)W(i), -128, 127)), Binary(a => a.packsswb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => Math.Clamp((int)W(i), 0, 255)), Binary(a => a.packuswb(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => i % 2 == 0 ? A[i / 2] : B[i / 2]), Binary(a => a.punpcklbw(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => (i / 8 == 0 ? A : B)[8 + i % 8]), Binary(a => a.punpckhqdq(xmm0, __xmmword_ptr[In + 16])));
        Assert.Equal(Bytes(i => ((i / 4) % 2 == 0 ? A : B)[8 + 4 * (i / 8) + i % 4]), Binary(a => a.unpckhps(xmm0, __xmmword_ptr[In + 16])));
    }

    [Fact]
    public void Shuffles_pick_lanes_by_the_immediate()
    {
        Assert.Equal(Bytes(i => A[4 * (3 - i / 4) + i % 4]), Binary(a => a.pshufd(xmm0, xmm0, 0x1B)));
        Assert.Equal(Bytes(i => i < 8 ? A[i] : A[8 + (i % 2)]), Binary(a => a.pshufhw(xmm0, xmm0, 0x00)));
        Assert.Equal(Bytes(i => i < 8 ? A[4 * ((i / 4) == 0 ? 1 : 0) + i % 4] : B[4 * ((i / 4) == 2 ? 3 : 2) + i % 4]),
            Binary(a => a.shufps(xmm0, __xmmword_ptr[In + 16], 0b_10_11_00_01)));
        Assert.Equal(Bytes(i => i < 8 ? A[8 + i] : B[i - 8]), Binary(a => a.shufpd(xmm0, __xmmword_ptr[In + 16], 1)));
    }

    [Fact]
    public void Shifts_by_immediate_and_register_clear_or_fill_beyond_the_lane_width()
    {
        ushort W(int i) => BitConverter.ToUInt16(A, 2 * i);
        byte[] Words(Func<int, int> f) => Enumerable.Range(0, 8).SelectMany(i => BitConverter.GetBytes((ushort)f(i))).ToArray();
        Assert.Equal(Words(i => W(i) << 3), Binary(a => a.psllw(xmm0, 3)));
        Assert.Equal(Words(i => (short)W(i) >> 15), Binary(a => a.psraw(xmm0, 40)));
        Assert.Equal(new byte[16], Binary(a => { a.mov(eax, 16); a.movd(xmm1, eax); a.psrlw(xmm0, xmm1); }));
        Assert.Equal(Bytes(i => i < 3 ? 0 : A[i - 3]), Binary(a => a.pslldq(xmm0, 3)));
        Assert.Equal(Bytes(i => i + 5 < 16 ? A[i + 5] : 0), Binary(a => a.psrldq(xmm0, 5)));
    }

    [Fact]
    public void Moves_to_and_from_general_registers_and_masks()
    {
        var r = Run(a =>
        {
            a.movdqu(xmm0, __xmmword_ptr[In]);
            a.pmovmskb(eax, xmm0);
            a.mov(__dword_ptr[Out], eax);
            a.movmskps(eax, xmm0);
            a.mov(__dword_ptr[Out + 4], eax);
            a.pextrw(eax, xmm0, 7);
            a.mov(__dword_ptr[Out + 8], eax);
            a.mov(ecx, 0x12345678);
            a.pinsrw(xmm0, ecx, 0);
            a.movd(__dword_ptr[Out + 12], xmm0);
            a.movq(xmm1, xmm0);                      // upper quadword cleared
            a.movdqu(__xmmword_ptr[Out + 16], xmm1);
            a.movhlps(xmm1, xmm0);
            a.movdqu(__xmmword_ptr[Out + 32], xmm1);
        }, [.. A, .. B]);
        Assert.Equal(0b_1001_0001_0000_1100u, r.U32(0));
        Assert.Equal(0b1001u, r.U32(4));
        Assert.Equal(0xAA55u, r.U32(8));
        Assert.Equal(0xFF805678u, r.U32(12));
        Assert.Equal([0x78, 0x56, .. A[2..8], .. new byte[8]], r.Out[16..32]);
        Assert.Equal([.. A[8..16], .. new byte[8]], r.Out[32..48]);
    }

    [Fact]
    public void Aligned_forms_raise_gp_on_a_misaligned_operand_and_unaligned_forms_do_not()
    {
        Assert.Equal(NoFault, Run(a => a.movdqu(xmm0, __xmmword_ptr[In + 4])).Vector);
        Assert.Equal(13u, Run(a => a.movdqa(xmm0, __xmmword_ptr[In + 4])).Vector);
        Assert.Equal(13u, Run(a => a.paddb(xmm0, __xmmword_ptr[In + 8])).Vector);
        Assert.Equal(NoFault, Run(a => a.addss(xmm0, __dword_ptr[In + 4])).Vector);
    }

    [Fact]
    public void Maskmovdqu_stores_the_selected_bytes_at_edi()
    {
        var r = Run(a =>
        {
            a.movdqu(xmm0, __xmmword_ptr[In]);
            a.movdqu(xmm1, __xmmword_ptr[In + 16]);
            a.mov(edi, Out);
            a.maskmovdqu(xmm0, xmm1);
        }, [.. A, .. B], setup: h => h.Load(Out, Enumerable.Repeat((byte)0xEE, 16).ToArray()));
        Assert.Equal(Bytes(i => (B[i] & 0x80) != 0 ? A[i] : 0xEE), r.Out[..16]);
    }
}
