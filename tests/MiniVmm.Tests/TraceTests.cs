namespace MiniVmm.Tests;

/// <summary><c>--trace</c> as QEMU's -d: instructions, interrupts, exits, device accesses and CPU resets, to a file, filtered by address.</summary>
public sealed class TraceTests
{
    // mov word [0x84], 0x1010; mov word [0x86], 0; int 0x21; hlt; nop; handler at 0x1010: hlt
    private static readonly byte[] SoftwareInterrupt =
        [0xc7, 0x06, 0x84, 0x00, 0x10, 0x10, 0xc7, 0x06, 0x86, 0x00, 0x00, 0x00, 0xcd, 0x21, 0xf4, 0x90, 0xf4];

    [Fact]
    public void Instructions_interrupts_exits_and_the_reset_state_go_to_the_trace_file()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine(SoftwareInterrupt);
        string trace = Path.Combine(temp.Path, "trace.txt");

        var result = Minivmm.Run("--machine", machine, "--trace", "in_asm,int,exits,cpu_reset", "--trace-file", trace);

        Assert.Equal(0, result.ExitCode);
        string[] lines = File.ReadAllLines(trace);
        Assert.StartsWith("cpu_reset cpu0 ", lines[0]);
        Assert.Contains("EIP=00001000", lines[0]);
        Assert.Equal("in_asm cpu0 0x00001000: mov word [84h],1010h", lines[1]);
        Assert.Contains("in_asm cpu0 0x0000100c: int 21h", lines);
        Assert.Contains("int cpu0 vector 0x21 (software) at 0000:0000100c", lines);
        // The handler's HLT runs, not the one after INT 21h.
        Assert.Contains("in_asm cpu0 0x00001010: hlt", lines);
        Assert.DoesNotContain("in_asm cpu0 0x0000100e: hlt", lines);
        Assert.Equal("exit cpu0 hlt", lines[^1]);
    }

    [Fact]
    public void The_address_range_keeps_only_the_instructions_inside_it()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine(SoftwareInterrupt);
        string trace = Path.Combine(temp.Path, "trace.txt");

        var result = Minivmm.Run("--machine", machine, "--trace", "exec", "--trace-range", "0x1006+6,0x1010..0x1010", "--trace-file", trace);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["exec cpu0 0x00001006", "exec cpu0 0x00001010"], File.ReadAllLines(trace));
    }

    [Fact]
    public void Device_accesses_name_the_port_the_value_and_the_device()
    {
        using var temp = new TempFolder();
        string trace = Path.Combine(temp.Path, "trace.txt");

        var result = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "soft", "--trace", "io", "--trace-file", trace);

        Assert.Equal(1, result.ExitCode);
        string[] lines = File.ReadAllLines(trace);
        Assert.Contains("io cpu0 out port 0x03f8 size 1 value 0x74 (uart16550)", lines); // 't' of "target: start"
        Assert.Contains("io cpu0 in  port 0x03fd size 1 value 0x60 (uart16550)", lines);
        Assert.Equal("io cpu0 out port 0x00f4 size 4 value 0x0 (isa-debug-exit)", lines[^1]);
    }

    [KvmFact]
    public void On_kvm_in_asm_single_steps_and_sees_what_the_soft_cpu_runs()
    {
        using var temp = new TempFolder();
        string soft = Path.Combine(temp.Path, "soft.txt"), kvm = Path.Combine(temp.Path, "kvm.txt");

        var onSoft = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "soft", "--trace", "in_asm", "--trace-file", soft);
        var onKvm = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "kvm", "--trace", "in_asm", "--trace-file", kvm);

        Assert.Equal(1, onSoft.ExitCode);
        Assert.Equal(1, onKvm.ExitCode);
        string[] expected = File.ReadAllLines(soft);
        Assert.True(expected.Length > 1000, $"only {expected.Length} instructions traced on the soft CPU");
        Assert.Equal(expected, File.ReadAllLines(kvm));
    }

    [KvmFact]
    public void On_kvm_an_instruction_trace_and_gdb_are_one_at_a_time()
    {
        var result = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "kvm", "--trace", "exec", "--gdb", "tcp:127.0.0.1:0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--gdb and --trace in_asm or exec on KVM both need the vCPU's debug exits; use one at a time", result.Stderr);
    }

    [Theory]
    [InlineData("in_asm,bogus", "0x1000+1", "--trace: 'bogus' is not a trace category; known: in_asm, exec, int, exits, io, cpu_reset")]
    [InlineData("exec", "0x2000..0x1000", "--trace: '0x2000..0x1000': the range ends before it starts")]
    [InlineData("exec", "0x1000", "--trace: '0x1000' is not START..LAST or START+LENGTH")]
    public void Bad_trace_options_are_command_line_errors(string categories, string range, string message)
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xf4]);

        var result = Minivmm.Run("--machine", machine, "--trace", categories, "--trace-range", range);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
    }

    [Fact]
    public void A_trace_file_without_a_trace_is_refused()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xf4]);

        var result = Minivmm.Run("--machine", machine, "--trace-file", Path.Combine(temp.Path, "t.txt"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--trace-file and --trace-range need --trace CATEGORIES", result.Stderr);
    }
}
