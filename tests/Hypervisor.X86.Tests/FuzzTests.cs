using Hypervisor.Core.Accel;

namespace Hypervisor.X86.Tests;

/// <summary>
/// Random bytes executed as code, in real mode and in flat 32-bit protected mode (with and without
/// paging): every run must end in a defined exit. A host exception inside the emulator shows up as
/// an internal error whose message starts with "emulator error", which fails the test.
/// </summary>
public class FuzzTests
{
    /// <summary>MINIVMM_FUZZ_SEEDS overrides the count for a longer local run.</summary>
    private static readonly int Seeds = int.TryParse(Environment.GetEnvironmentVariable("MINIVMM_FUZZ_SEEDS"), out int n) ? n : 80;
    private const ulong InstructionsPerSeed = 2000;
    private const int ExitsPerSeed = 400;

    [Theory]
    [InlineData(Mode.Real)]
    [InlineData(Mode.Protected)]
    [InlineData(Mode.Paged)]
    public void Random_code_always_ends_in_a_defined_exit(Mode mode)
    {
        var outcomes = new Dictionary<VcpuExitReason, int>();
        for (int seed = 0; seed < Seeds; seed++)
        {
            var rng = new Random(seed * 7919 + (int)mode);
            using var h = new CpuHarness((0, 0x100000));
            var bytes = new byte[0x20000];
            rng.NextBytes(bytes);
            h.Load(0, bytes);
            switch (mode)
            {
                case Mode.Real:
                    h.SetRealMode(0x1000, (ushort)rng.Next(0x10000), 0x1000, 0xFFF0);
                    break;
                default:
                    h.SetFlatProtectedMode((uint)rng.Next(0x20000), 0x18000);
                    var s = h.Vcpu.GetSpecialRegisters();
                    s.Gdt = new DescriptorTableRegister { Base = 0x1000, Limit = 0x17 };
                    h.Load(0x1000, new byte[8]);
                    h.Load(0x1008, BitConverter.GetBytes(0x00CF9A000000FFFFUL));
                    h.Load(0x1010, BitConverter.GetBytes(0x00CF92000000FFFFUL));
                    s.Idt = new DescriptorTableRegister { Base = 0x800, Limit = 0x7FF }; // random gates
                    if (mode == Mode.Paged)
                    {
                        // Identity map 0..4 MiB with one 4 KiB page table at 0x40000 (random bytes above it).
                        for (uint i = 0; i < 1024; i++)
                            h.Load(0x40000 + i * 4, BitConverter.GetBytes((i << 12) | 7));
                        h.Load(0x41000, BitConverter.GetBytes(0x40000u | 7));
                        s.Cr3 = 0x41000;
                        s.Cr0 |= 0x80000000;
                    }
                    h.Vcpu.SetSpecialRegisters(s);
                    break;
            }
            h.Vcpu.InstructionLimit = InstructionsPerSeed;
            var reason = RunUntilTerminal(h, rng);
            outcomes[reason] = outcomes.GetValueOrDefault(reason) + 1;
            if (reason == VcpuExitReason.InternalError)
            {
                Assert.False(h.Vcpu.Exit.Message!.StartsWith("emulator error"), $"seed {seed}: {h.Vcpu.Exit.Message}");
                Assert.Contains("CS:EIP", h.Vcpu.Exit.Message);
            }
        }
        // Random code reaches more than one kind of ending.
        Assert.True(outcomes.Count > 1, string.Join(", ", outcomes));
    }

    private static VcpuExitReason RunUntilTerminal(CpuHarness h, Random rng)
    {
        for (int i = 0; i < ExitsPerSeed; i++)
        {
            var reason = h.Run();
            switch (reason)
            {
                case VcpuExitReason.Io:
                case VcpuExitReason.Mmio:
                    rng.NextBytes(h.Vcpu.Exit.Data); // IN / MMIO-read data; ignored for writes
                    continue;
                default:
                    return reason;
            }
        }
        return VcpuExitReason.Intr;
    }

    public enum Mode { Real, Protected, Paged }
}
