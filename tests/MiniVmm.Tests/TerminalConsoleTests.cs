using System.Diagnostics;
using System.Text;

namespace MiniVmm.Tests;

/// <summary>
/// A UART on stdio with stdin a terminal (a pseudo-terminal from util-linux's <c>script</c>):
/// raw mode, so Ctrl-C goes to the guest as in QEMU; minivmm says once how to quit, and Ctrl-A X does.
/// </summary>
public class TerminalConsoleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void On_a_terminal_minivmm_says_how_to_quit_ctrl_c_goes_to_the_guest_and_ctrl_a_x_quits()
    {
        using var temp = new TempFolder();
        // jmp $: the guest runs until something stops it.
        string machine = temp.RealModeMachine([0xeb, 0xfe], """{ "type": "uart16550", "ports": "0x3f8", "options": { "backend": "stdio" } }""",
            """, "limits": { "time": "60s" }""");
        using var terminal = PseudoTerminal.Start($"{Quote(Minivmm.Executable)} --machine {Quote(machine)}");

        Assert.True(terminal.WaitFor("Ctrl-A X quits", Patience), $"no hint on the terminal: {terminal.Output}");
        terminal.Type("\u0003"); // Ctrl-C: a byte for the guest's UART, not a signal
        Assert.False(terminal.Process.WaitForExit(TimeSpan.FromSeconds(1)), $"Ctrl-C stopped minivmm: {terminal.Output}");
        terminal.Type("\u0001x");

        Assert.True(terminal.Process.WaitForExit(Patience), $"Ctrl-A X did not stop minivmm: {terminal.Output}");
        Assert.Equal(0, terminal.Process.ExitCode);
        Assert.Equal(1, CountOf(terminal.Output, "Ctrl-A X quits")); // said once
    }

    private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>A command under <c>script</c>: its stdin, stdout and stderr are a pseudo-terminal fed from and copied to pipes.</summary>
    private sealed class PseudoTerminal : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly Task _reader;

        private PseudoTerminal(Process process)
        {
            Process = process;
            _reader = Task.Run(Read);
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                    return _output.ToString();
            }
        }

        public static PseudoTerminal Start(string command)
        {
            var start = new ProcessStartInfo("script")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Minivmm.RepoRoot,
            };
            // -q: no banner; -e: script's exit code is the command's; -f: copy output at once.
            foreach (string arg in new[] { "-qef", "-c", command, "/dev/null" })
                start.ArgumentList.Add(arg);
            return new PseudoTerminal(Process.Start(start)!);
        }

        public void Type(string keys)
        {
            Process.StandardInput.Write(keys);
            Process.StandardInput.Flush();
        }

        public bool WaitFor(string text, TimeSpan timeout)
        {
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed < timeout)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                    return true;
                if (Process.HasExited)
                    return Output.Contains(text, StringComparison.Ordinal);
                Thread.Sleep(50);
            }
            return false;
        }

        private async Task Read()
        {
            var buffer = new char[4096];
            int n;
            while ((n = await Process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (_output)
                    _output.Append(buffer, 0, n);
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            _reader.Wait(TimeSpan.FromSeconds(5));
            Process.Dispose();
        }
    }
}
