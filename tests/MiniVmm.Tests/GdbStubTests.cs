using System.Text.RegularExpressions;

namespace MiniVmm.Tests;

/// <summary>
/// The gdb stub end to end: the real minivmm, the real gdb in batch mode, on 127.0.0.1, against
/// guests/gdb/target.elf (C with symbols): break main, continue, info registers, x/4x, stepi,
/// watch, continue, detach; the guest then runs to its end as if nothing happened.
/// </summary>
public sealed class GdbStubTests
{
    private static readonly string[] Session =
    [
        "break main", "continue", "info registers", "x/4x &squares", "stepi", "info registers eip",
        "watch counter", "continue", "continue", "detach",
    ];

    [GdbFact]
    public void Soft_cpu_breaks_at_main_steps_reads_memory_watches_and_detaches()
    {
        var run = GdbBatch.Run("soft", Session);

        AssertSessionWorked(run);
        Assert.Contains("Hardware watchpoint 2: counter", run.Gdb);
        // The first two additions of main's loop: 0 + 1, then 1 + 4.
        Assert.Matches(new Regex(@"Old value = 0\s+New value = 1"), run.Gdb);
        Assert.Matches(new Regex(@"Old value = 1\s+New value = 5"), run.Gdb);
    }

    [GdbFact(GdbHost.Kvm)]
    public void Kvm_stops_at_a_hardware_breakpoint_steps_and_reads_memory()
    {
        var run = GdbBatch.Run("kvm", "hbreak main", "continue", "info registers", "x/4x &squares", "stepi", "info registers eip", "detach");

        AssertSessionWorked(run);
    }

    [GdbFact(GdbHost.KvmWithBreakpointExits)]
    public void Kvm_software_breakpoints_and_watchpoints()
    {
        var run = GdbBatch.Run("kvm", Session);

        AssertSessionWorked(run);
        Assert.Matches(new Regex(@"Old value = 0\s+New value = 1"), run.Gdb);
    }

    [Fact]
    public void Ctrl_c_stops_a_running_guest_memory_reads_and_writes_and_k_kills_it()
    {
        using var temp = new TempFolder();
        string machine = temp.RealModeMachine([0xeb, 0xfe]); // jmp $ at 0x1000
        string registers = "", code = "", written = "", afterInterrupt = "", first = "";

        var result = Minivmm.RunWatchingStderr(TimeSpan.FromSeconds(60), (process, stderr) =>
        {
            using var rsp = new RspClient(GdbBatch.WaitForPort(process, stderr));
            first = rsp.Ask("?");
            rsp.Send("c");
            Thread.Sleep(300);
            rsp.Interrupt();
            afterInterrupt = rsp.Receive();
            registers = rsp.Ask("g");
            code = rsp.Ask("m1000,2");
            Assert.Equal("OK", rsp.Ask("M2000,2:cafe"));
            written = rsp.Ask("m2000,2");
            rsp.Send("k");
        }, "--machine", machine, "--gdb", "tcp:127.0.0.1:0", "--gdb-wait", "--log-level", "information");

        Assert.Equal("T05thread:1;", first);
        Assert.Equal("T02thread:1;", afterInterrupt);
        Assert.Equal("00100000", registers.Substring(8 * 8, 8)); // eip 0x1000, little-endian
        Assert.Equal("ebfe", code);
        Assert.Equal("cafe", written);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Stopped: killed by gdb", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Connecting_to_a_running_guest_stops_it_and_detaching_lets_it_run_on()
    {
        using var temp = new TempFolder();
        // wait: cmp byte [0x1100], 0; je wait; out 0xf4, al (isa-debug-exit, AL = 0); hlt. The guest spins
        // until gdb writes the flag, so however fast the CPU runs it is still running when gdb connects
        // (a counted loop once ended before the test could connect).
        string machine = temp.RealModeMachine([0x80, 0x3e, 0x00, 0x11, 0x00, 0x74, 0xf9, 0xe6, 0xf4, 0xf4],
            """{ "type": "isa-debug-exit" }""");
        string first = "", registers = "", flag = "", detached = "";

        var result = Minivmm.RunWatchingStderr(TimeSpan.FromSeconds(60), (process, stderr) =>
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Match port;
            while (!(port = Regex.Match(stderr(), @"gdb stub on tcp:127\.0\.0\.1:(\d+)")).Success && watch.Elapsed < TimeSpan.FromSeconds(30))
                Thread.Sleep(20);
            using var rsp = new RspClient(int.Parse(port.Groups[1].Value));
            first = rsp.Ask("?");
            registers = rsp.Ask("g");
            flag = rsp.Ask("M1100,1:01");
            detached = rsp.Ask("D");
        }, "--machine", machine, "--gdb", "tcp:127.0.0.1:0");

        Assert.Equal("T05thread:1;", first);
        uint eip = BitConverter.ToUInt32(Convert.FromHexString(registers.Substring(8 * 8, 8)));
        Assert.InRange(eip, 0x1000u, 0x1005u); // stopped inside the loop
        Assert.Equal("OK", flag);
        Assert.Equal("OK", detached);
        Assert.Equal(1, result.ExitCode); // after the detach the loop saw the flag and wrote 0 to isa-debug-exit
    }

    [Fact]
    public void The_gdb_address_is_loopback_unless_public()
    {
        var result = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "soft", "--gdb", "tcp:0.0.0.0:1234");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--gdb: 0.0.0.0 would open the guest's memory to the network", result.Stderr);
    }

    [Fact]
    public void A_bad_gdb_address_is_a_command_line_error()
    {
        var result = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--gdb", "udp:127.0.0.1:1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--gdb: 'udp:127.0.0.1:1' is not tcp:127.0.0.1:PORT[,public]", result.Stderr);
    }

    [Fact]
    public void Without_a_client_the_guest_runs_at_once()
    {
        var result = Minivmm.Run("--machine", GdbBatch.TargetMachine, "--accel", "soft", "--gdb", "tcp:127.0.0.1:0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("target: counter 30", result.Stdout);
        Assert.Matches(new Regex(@"gdb stub on tcp:127\.0\.0\.1:\d+"), result.Stderr);
    }

    private static void AssertSessionWorked(GdbBatch.Outcome run)
    {
        string gdb = run.Gdb;
        Assert.True(run.Vmm.ExitCode == 1, $"minivmm exit code {run.Vmm.ExitCode}; stderr: {run.Vmm.Stderr}; gdb: {gdb}");
        Assert.Matches(new Regex(@"Breakpoint 1, main \(\)"), gdb);
        var breakAt = Regex.Match(gdb, @"reakpoint 1 at 0x([0-9a-f]+)");
        Assert.True(breakAt.Success, gdb);
        var eips = GdbBatch.RegisterValues(gdb, "eip");
        Assert.True(eips.Count == 2, $"expected eip from 'info registers' and after 'stepi'; gdb: {gdb}");
        Assert.Equal(Convert.ToUInt64(breakAt.Groups[1].Value, 16), eips[0]);
        Assert.True(eips[1] > eips[0], $"stepi did not move eip past 0x{eips[0]:x}; gdb: {gdb}");
        Assert.Single(GdbBatch.RegisterValues(gdb, "cs"));
        Assert.Matches(new Regex(@"<squares>:\s+0x00000001\s+0x00000004\s+0x00000009\s+0x00000010"), gdb);
        Assert.Contains("[Inferior 1 (Remote target) detached]", gdb);
        Assert.Contains("target: counter 30", run.Vmm.Stdout);
    }
}
