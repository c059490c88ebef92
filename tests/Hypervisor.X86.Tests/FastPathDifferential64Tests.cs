using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The 64-bit mode side of <see cref="FastPathDifferentialTests"/>: random 64-bit programs (REX.W
/// forms, 32-bit forms whose results zero-extend, REX byte registers, the 64-bit stack, near calls,
/// RIP-relative operands, stores into their own code, port I/O) run on two vCPUs, one with the fast
/// path off; after every exit all sixteen registers, RIP, RFLAGS and the retired count must agree,
/// and at the end all of memory.
/// </summary>
public class FastPathDifferential64Tests
{
    private static readonly int Seeds = int.TryParse(Environment.GetEnvironmentVariable("MINIVMM_FUZZ_SEEDS"), out int n) ? n : 60;
    /// <summary>Each translated run compiles every block it meets (RyuJIT: milliseconds each), so fewer seeds.</summary>
    private static readonly int TranslatedSeeds = Math.Max(1, Seeds / 3);
    private const ulong CodeAddress = 0x10000, DataAddress = 0x30000, StackTop = 0x80000;

    [Fact]
    public void Generated_64_bit_programs_run_identically_with_and_without_the_fast_path()
    {
        for (int seed = 0; seed < Seeds; seed++)
            RunBoth(seed, Generate(new Random(seed * 37 + 64)), limit: 5000);
    }

    /// <summary>The same programs with every block translated the first time it runs (Translation/), against the general executor.</summary>
    [Fact]
    public void Generated_64_bit_programs_run_identically_translated_and_interpreted()
    {
        long entries = 0;
        for (int seed = 0; seed < TranslatedSeeds; seed++)
            entries += RunBoth(seed, Generate(new Random(seed * 37 + 64)), limit: 5000, Cpu.TranslationMode.Always);
        Assert.True(entries > TranslatedSeeds, $"only {entries} translated block entries: 64-bit code did not run translated");
    }

    [Fact]
    public void Random_bytes_in_64_bit_mode_run_identically_translated_and_interpreted()
    {
        long entries = 0;
        for (int seed = 0; seed < TranslatedSeeds; seed++)
        {
            var code = new byte[0x4000];
            new Random(seed * 19 + 64).NextBytes(code);
            entries += RunBoth(seed, code, limit: 2000, Cpu.TranslationMode.Always);
        }
        Assert.True(entries > 0, "random 64-bit code never ran translated");
    }

    [Fact]
    public void Random_bytes_in_64_bit_mode_run_identically_with_and_without_the_fast_path()
    {
        for (int seed = 0; seed < Seeds; seed++)
        {
            var code = new byte[0x4000];
            new Random(seed * 19 + 64).NextBytes(code);
            RunBoth(seed, code, limit: 2000);
        }
    }

    /// <summary>
    /// Interrupts must be invisible to the code they interrupt: the same program with a timer-like
    /// interrupt at random instruction boundaries (through a 64-bit interrupt gate to a handler that
    /// counts and returns with IRETQ) must end with the same registers and memory, stack below RSP
    /// aside, as without any. Exercises the 16-byte-aligned frame, IRETQ and blocks cut short.
    /// </summary>
    [Theory]
    [InlineData(Cpu.TranslationMode.Off)]
    [InlineData(Cpu.TranslationMode.Always)]
    public void Interrupts_in_64_bit_mode_leave_the_interrupted_program_unchanged(Cpu.TranslationMode translation)
    {
        int ran = 0;
        long entries = 0;
        int seeds = translation == Cpu.TranslationMode.Off ? Seeds : TranslatedSeeds;
        for (int seed = 0; seed < seeds; seed++)
        {
            var code = Generate(new Random(seed * 41 + 7));
            using var quiet = Setup(code, fastPath: true);
            using var interrupted = Setup(code, fastPath: true);
            quiet.Vcpu.Cpu.Translation = translation;
            interrupted.Vcpu.Cpu.Translation = translation; // translated loops leave for the pending interrupt at backward branches
            InstallCountingHandler(quiet);
            InstallCountingHandler(interrupted);
            interrupted.Vcpu.InterruptController = new RandomlyPending(new Random(seed));
            // Programs that loop (backward branches) end at the quiet run's limit and are skipped; the
            // interrupted run gets room for its handlers (and a divergent loop still ends).
            quiet.Vcpu.InstructionLimit = 20_000;
            interrupted.Vcpu.InstructionLimit = 400_000;
            var dataQ = new Random(seed);
            var dataI = new Random(seed);
            for (int exit = 0; exit < 200; exit++)
            {
                var rq = quiet.Run();
                if (rq == VcpuExitReason.Intr)
                    break;
                var ri = interrupted.Run();
                string where = $"seed {seed}, exit {exit}";
                Assert.True(rq == ri, $"{where}: {ri} with interrupts vs {rq} without: {interrupted.Vcpu.Exit.Message} / {quiet.Vcpu.Exit.Message}");
                Assert.True(Lockstep.SameRegisters(quiet.Regs, interrupted.Regs), $"{where}: registers differ after {rq}:\n{Lockstep.Show(interrupted.Regs)}\nvs\n{Lockstep.Show(quiet.Regs)}");
                if (rq is not (VcpuExitReason.Io or VcpuExitReason.Mmio) || quiet.Vcpu.Exit.IoPort == EndPort)
                {
                    ran++;
                    break;
                }
                dataQ.NextBytes(quiet.Vcpu.Exit.Data);
                dataI.NextBytes(interrupted.Vcpu.Exit.Data);
            }
            // Memory agrees except the stack pages, where interrupt frames were pushed below RSP, and the counter.
            entries += interrupted.Vcpu.Cpu.BlockEntries;
            if (quiet.Vcpu.Exit.Reason == VcpuExitReason.Intr)
                continue;
            var q = quiet.Read(0, 0x100000);
            var i = interrupted.Read(0, 0x100000);
            Array.Clear(q, (int)(StackTop - 0x10000), 0x10000);
            Array.Clear(i, (int)(StackTop - 0x10000), 0x10000);
            Array.Clear(q, (int)CounterAddress, 8);
            Array.Clear(i, (int)CounterAddress, 8);
            Assert.True(q.AsSpan().SequenceEqual(i), $"seed {seed}: memory differs with interrupts");
            Assert.True(BitConverter.ToUInt64(interrupted.Read(CounterAddress, 8)) > 0, $"seed {seed}: no interrupt was taken");
        }
        Assert.True(ran >= seeds / 4, $"only {ran} of {seeds} programs ended without looping");
        Assert.True(translation == Cpu.TranslationMode.Off || entries > seeds, $"only {entries} translated block entries");
    }

    private const ulong HandlerAddress = 0x40000, CounterAddress = 0x50000;
    private const ushort EndPort = 0x1F0; // the generator's own OUTs use ports below 0x100
    private const byte TimerVector = 0x30;

    /// <summary>An interrupt gate for <see cref="TimerVector"/> to a handler that counts in memory and returns.</summary>
    private static void InstallCountingHandler(CpuHarness h)
    {
        h.Load(HandlerAddress, h.Assemble(64, HandlerAddress, a =>
        {
            a.push(rax);
            a.mov(rax, CounterAddress);
            a.inc(__qword_ptr[rax]);
            a.pop(rax);
            a.iretq();
        }));
        var s = h.Vcpu.GetSpecialRegisters();
        var gate = new byte[16];
        BitConverter.GetBytes((ushort)(HandlerAddress & 0xFFFF)).CopyTo(gate, 0);
        BitConverter.GetBytes(LongModeTables.CodeSelector).CopyTo(gate, 2);
        gate[5] = 0x8E; // present, DPL 0, 64-bit interrupt gate
        BitConverter.GetBytes((ushort)(HandlerAddress >> 16)).CopyTo(gate, 6);
        h.Load(s.Idt.Base + TimerVector * 16, gate);
        s.Idt = s.Idt with { Limit = 0xFFF };
        h.Vcpu.SetSpecialRegisters(s);
        var r = h.Vcpu.GetRegisters();
        r.Rflags = 0x202; // IF
        h.Vcpu.SetRegisters(r);
    }

    /// <summary>An interrupt line that is asserted at random checks (about one in seven).</summary>
    private sealed class RandomlyPending(Random rng) : Hypervisor.Abstractions.IInterruptController
    {
        public void SetInput(int line, bool level) { }
        public bool HasPendingInterrupt => rng.Next(7) == 0;
        public byte Acknowledge() => TimerVector;
    }

    /// <returns>How often the fast side entered translated code.</returns>
    private static long RunBoth(int seed, byte[] code, ulong limit, Cpu.TranslationMode translation = Cpu.TranslationMode.Off)
    {
        using var fast = Setup(code, fastPath: true);
        fast.Vcpu.Cpu.Translation = translation;
        using var slow = Setup(code, fastPath: false);
        Lockstep.Run(fast, slow, seed, $"seed {seed}, 64-bit", slice: limit / 3 + 1, maxRetired: limit * 3);
        return fast.Vcpu.Cpu.BlockEntries;
    }

    private static CpuHarness Setup(byte[] code, bool fastPath)
    {
        var h = new CpuHarness((0, 0x100000));
        h.Vcpu.Cpu.FastPathEnabled = fastPath;
        h.Vcpu.Cpu.Translation = Cpu.TranslationMode.Off;
        h.Vcpu.SetSpecialRegisters(EntryStates.LongMode(h.Memory));
        h.Load(CodeAddress, code);
        var fill = new byte[0x10000];
        new Random(5).NextBytes(fill);
        h.Load(DataAddress, fill);
        var r = h.Vcpu.GetRegisters();
        var values = new Random(11);
        r.Rax = (ulong)values.NextInt64(); r.Rcx = (ulong)values.NextInt64(); r.Rdx = 0xFFFF_FFFF_8000_0001;
        r.R8 = (ulong)values.NextInt64(); r.R9 = 0x7FFF_FFFF_FFFF_FFFF; r.R10 = 0x8000_0000_0000_0000;
        r.R11 = 0xFFFF_FFFF; r.R12 = 0x1_0000_0000; r.R13 = 0xFFFF_FFFF_FFFF_FFFF; r.R14 = 1; r.R15 = 0;
        r.Rbp = 0x1234_5678_9ABC_DEF0;
        // Pointers into the data area: the generator never overwrites them, so memory operands stay mapped.
        r.Rbx = DataAddress + 0x100; r.Rsi = DataAddress + 0x200; r.Rdi = DataAddress + 0x300;
        r.Rsp = StackTop;
        r.Rip = CodeAddress;
        r.Rflags = 2;
        h.Vcpu.SetRegisters(r);
        h.Vcpu.InstructionLimit = 2000;
        return h;
    }

    // Destinations (never the data pointers RBX, RSI, RDI or RSP) and all sources.
    private static readonly AssemblerRegister64[] Dest64 = [rax, rcx, rdx, rbp, r8, r9, r10, r11, r12, r13, r14, r15];
    private static readonly AssemblerRegister32[] Dest32 = [eax, ecx, edx, ebp, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
    private static readonly AssemblerRegister8[] Dest8 = [al, cl, dl, ah, ch, dh, bpl, r8b, r9b, r12b, r15b];
    private static readonly AssemblerRegister8[] RexBytes = [al, cl, dl, bpl, sil, r8b, r9b, r12b, r15b]; // with a REX register
    private static readonly AssemblerRegister64[] Src64 = [rax, rcx, rdx, rbx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15];
    private static readonly AssemblerRegister32[] Src32 = [eax, ecx, edx, ebx, esi, edi, ebp, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
    private static readonly AssemblerRegister64[] Pointers = [rbx, rsi, rdi];

    /// <summary>A random 64-bit program of the fast forms and their neighbours, with forward and backward branches.</summary>
    private static byte[] Generate(Random rng)
    {
        var a = new Assembler(64);
        var labels = Enumerable.Range(0, 24).Select(_ => a.CreateLabel()).ToArray();
        var constants = Enumerable.Range(0, 4).Select(_ => a.CreateLabel()).ToArray();
        int placed = 0;
        AssemblerRegister64 D64() => Dest64[rng.Next(Dest64.Length)];
        AssemblerRegister32 D32() => Dest32[rng.Next(Dest32.Length)];
        AssemblerRegister8 D8() => Dest8[rng.Next(Dest8.Length)];
        AssemblerRegister64 S64() => Src64[rng.Next(Src64.Length)];
        AssemblerRegister32 S32() => Src32[rng.Next(Src32.Length)];
        AssemblerMemoryOperand M() => Pointers[rng.Next(Pointers.Length)] + rng.Next(-0x80, 0x400);
        int Imm() => rng.Next(4) switch { 0 => rng.Next(-128, 128), 1 => int.MinValue + rng.Next(16), 2 => int.MaxValue - rng.Next(16), _ => rng.Next() - rng.Next() };
        for (int i = 0; i < 160; i++)
        {
            if (placed < labels.Length && rng.Next(8) == 0)
                a.Label(ref labels[placed++]);
            switch (rng.Next(46))
            {
                case 0: a.mov(D64(), S64()); break;
                case 1: a.mov(D64(), Imm()); break;
                case 2: a.mov(D64(), __qword_ptr[M()]); break;
                case 3: a.mov(__qword_ptr[M()], S64()); break;
                case 4: a.mov(__qword_ptr[M()], Imm()); break;
                case 5: a.add(D64(), rng.Next(2) == 0 ? S64() : D64()); break;
                case 6: a.add(D64(), Imm()); break;
                case 7: a.add(__qword_ptr[M()], rng.Next(2) == 0 ? Imm() : rng.Next(-3, 3)); break;
                case 8: a.sub(D64(), S64()); break;
                case 9: a.sub(D64(), __qword_ptr[M()]); break;
                case 10: a.sub(__qword_ptr[M()], S64()); break;
                case 11: a.cmp(S64(), rng.Next(2) == 0 ? S64() : D64()); break;
                case 12: a.cmp(S64(), Imm()); break;
                case 13: a.cmp(__qword_ptr[M()], rng.Next(2) == 0 ? Imm() : 0); break;
                case 14: a.cmp(S64(), __qword_ptr[M()]); break;
                case 15: switch (rng.Next(3)) { case 0: a.and(D64(), S64()); break; case 1: a.or(D64(), Imm()); break; default: a.xor(D64(), __qword_ptr[M()]); break; }
                    break;
                case 16: switch (rng.Next(3)) { case 0: a.test(S64(), S64()); break; case 1: a.test(S64(), Imm()); break; default: a.test(__qword_ptr[M()], S64()); break; }
                    break;
                case 17: switch (rng.Next(4)) { case 0: a.inc(D64()); break; case 1: a.dec(D64()); break; case 2: a.neg(D64()); break; default: a.not(D64()); break; }
                    break;
                case 18: a.lea(D64(), __[S64() + S64() * (1 << rng.Next(4)) + rng.Next(-1000, 1000)]); break;
                case 19: a.lea(D32(), __[S64() + rng.Next(-1000, 1000)]); break;
                case 20: a.push(S64()); a.pop(D64()); break;
                case 21: a.push(Imm()); a.pop(D64()); break;
                case 22: switch (rng.Next(3)) { case 0: a.shl(D64(), (byte)rng.Next(64)); break; case 1: a.shr(D64(), (byte)rng.Next(64)); break; default: a.sar(D64(), (byte)rng.Next(64)); break; }
                    break;
                case 23: a.movsxd(D64(), S32()); break;
                case 24: a.movsxd(D64(), __dword_ptr[M()]); break;
                case 25: if (rng.Next(2) == 0) a.movzx(D64(), __byte_ptr[M()]); else a.movsx(D64(), __byte_ptr[M()]); break;
                case 26: a.cmovne(D64(), rng.Next(2) == 0 ? S64() : D64()); break;
                case 27: a.cmovl(D64(), __qword_ptr[M()]); break;
                case 28: a.imul(D64(), S64()); break;
                case 29: a.imul(D64(), S64(), Imm()); break;
                // 32-bit forms: each result zero-extends into the 64-bit register.
                case 30: a.mov(D32(), S32()); break;
                case 31: a.mov(D32(), Imm()); break;
                case 32: switch (rng.Next(4)) { case 0: a.add(D32(), S32()); break; case 1: a.sub(D32(), Imm()); break; case 2: a.xor(D32(), D32()); break; default: a.and(D32(), __dword_ptr[M()]); break; }
                    break;
                case 33: switch (rng.Next(4)) { case 0: a.shl(D32(), (byte)rng.Next(32)); break; case 1: a.ror(D32(), (byte)rng.Next(32)); break; case 2: a.inc(D32()); break; default: a.imul(D32(), S32(), Imm()); break; }
                    break;
                case 34: switch (rng.Next(3)) { case 0: a.movzx(D32(), __word_ptr[M()]); break; case 1: a.movsx(D32(), RexBytes[rng.Next(RexBytes.Length)]); break; default: a.cmovg(D32(), S32()); break; }
                    break;
                case 35: if (rng.Next(2) == 0) a.cmp(S32(), S32()); else a.cmp(S32(), Imm()); break;
                case 36: switch (rng.Next(3)) { case 0: a.mov(D8(), __byte_ptr[M()]); break; case 1: a.add(D8(), (byte)rng.Next(256)); break; default: a.mov(__byte_ptr[M()], D8()); break; }
                    break;
                case 37: a.sete(D8()); break;
                case 38: a.mov(D64(), __qword_ptr[constants[rng.Next(4)]]); break; // RIP-relative
                case 39:
                {
                    // A forward or backward conditional branch (the limit ends loops).
                    var target = labels[rng.Next(labels.Length)];
                    switch (rng.Next(5))
                    {
                        case 0: a.jne(target); break;
                        case 1: a.jb(target); break;
                        case 2: a.jle(target); break;
                        case 3: a.js(target); break;
                        default: a.ja(target); break;
                    }
                    break;
                }
                case 40:
                {
                    // A near call to a tiny function right after it.
                    var function = a.CreateLabel();
                    var after = a.CreateLabel();
                    a.call(function);
                    a.jmp(after);
                    a.Label(ref function);
                    a.add(D64(), Imm());
                    a.ret();
                    a.Label(ref after);
                    a.nop();
                    break;
                }
                case 41: a.mov(__byte_ptr[CodeAddress + (ulong)rng.Next(0x600)], rng.Next(2) == 0 ? (byte)0x90 : (byte)0x48); break; // into the code
                case 42: a.mov(dx, (ushort)rng.Next(0x100)); a.@out(dx, al); break;
                case 43:
                    switch (rng.Next(7))
                    {
                        case 0: a.adc(D64(), S64()); break;
                        case 1: a.adc(D64(), Imm()); break;
                        case 2: a.mov(D64(), (ulong)rng.NextInt64() | (rng.Next(2) == 0 ? 0x8000_0000_0000_0000UL : 0)); break; // imm64
                        case 3: a.nop(); a.db(0x0F, 0x1F, 0x44, 0x00, 0x00); break; // NOP, NOP DWORD [rax+rax+0]
                        case 4: a.mov(cl, (byte)rng.Next(70)); if (rng.Next(2) == 0) a.shl(D64(), cl); else a.sar(D32(), cl); break;
                        case 5: a.test(__byte_ptr[M()], (byte)rng.Next(256)); break;
                        default: a.cmp(D8(), __byte_ptr[M()]); break;
                    }
                    break;
                default: a.xchg(D64(), D64()); break;
            }
        }
        while (placed < labels.Length)
        {
            a.Label(ref labels[placed++]);
            a.nop();
        }
        a.mov(dx, EndPort); // the end, as an exit even where HLT would wait for an interrupt
        a.@out(dx, al);
        a.hlt();
        ulong[] values = [0x8000_0000_0000_0000, 0x0000_0000_FFFF_FFFF, 0x1234_5678_9ABC_DEF0, 0xFFFF_FFFF_FFFF_FFFF];
        for (int c = 0; c < constants.Length; c++)
        {
            a.Label(ref constants[c]);
            a.dq(values[c]);
        }
        var writer = new BytesWriter();
        a.Assemble(writer, CodeAddress);
        return writer.Bytes.ToArray();
    }

    private sealed class BytesWriter : CodeWriter
    {
        public readonly List<byte> Bytes = [];
        public override void WriteByte(byte value) => Bytes.Add(value);
    }
}
