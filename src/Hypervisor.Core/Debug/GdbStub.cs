using System.Net;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Hypervisor.Core.Runtime;
using Serilog;

namespace Hypervisor.Core.Debug;

/// <summary>
/// The gdb remote stub (<c>--gdb tcp:127.0.0.1:1234</c>, <c>--gdb-wait</c>), like QEMU's <c>-s -S</c>:
/// all-stop, one vCPU (vCPU 0, gdb's thread 1). While the guest runs, packets wait in the server's
/// queue and Ctrl-C or a new client asks the vCPU to leave Run; while it is stopped, this class
/// answers gdb on the vCPU's own thread (as KVM's vCPU ioctls want), until c, s, D or k.
/// </summary>
public sealed class GdbStub : IVcpuDebugger, IDisposable
{
    private const string ThreadId = "1";
    private const int SignalInt = 2;
    private const int SignalTrap = 5;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly GdbServer _server;
    private readonly GuestMemory _memory;
    private readonly MachineControl _control;
    private readonly ILogger _log;
    private readonly bool _waitForClient;
    private IVcpu? _vcpu;
    private GdbBreakpoints? _breakpoints;
    private volatile bool _attention;
    private bool _resumed;
    private string _lastStop = StopReply(SignalTrap);

    /// <summary>Listens at once (so the port is known before the guest runs); throws <see cref="System.Net.Sockets.SocketException"/> when it cannot.</summary>
    public GdbStub(GdbEndpoint endpoint, bool waitForClient, GuestMemory memory, MachineControl control, ILogger log)
    {
        _waitForClient = waitForClient;
        _memory = memory;
        _control = control;
        _log = log;
        _server = new GdbServer(endpoint, log);
        _server.Attention += () =>
        {
            _attention = true;
            _vcpu?.RequestExit();
        };
    }

    /// <summary>The address gdb connects to (<c>target remote</c>), with the port resolved.</summary>
    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    public void Starting(IVcpu vcpu)
    {
        if (vcpu is not IVcpuDebug debug)
            throw new InvalidOperationException("this accelerator's vCPUs cannot be debugged");
        _vcpu = vcpu;
        _breakpoints = new GdbBreakpoints(debug, _memory);
        if (_waitForClient)
            StopLoop(vcpu, debug);
        else if (_attention)
            vcpu.RequestExit(); // a client came before the vCPU existed: stop at once
    }

    public bool HandleExit(IVcpu vcpu, VcpuExitReason reason)
    {
        var debug = (IVcpuDebug)vcpu;
        if (reason == VcpuExitReason.Debug)
        {
            if (!_server.IsConnected)
            {
                Detach(debug); // the client went away while the guest ran: nothing to report to
                return true;
            }
            _breakpoints!.Disarm();
            Stopped(StopReplyFor(vcpu.Exit));
            StopLoop(vcpu, debug);
            return true;
        }
        if (reason != VcpuExitReason.Intr || !_attention || _control.IsStopping)
            return false;
        _attention = false;
        StopLoop(vcpu, debug);
        return true;
    }

    /// <summary>The machine stopped: gdb hears the exit status (W) and the session ends.</summary>
    public void MachineStopped(int exitCode)
    {
        _server.Send($"W{exitCode & 0xFF:x2}");
        _server.CloseClient();
    }

    private string StopReplyFor(VcpuExit exit)
    {
        if (exit.DebugStop != DebugStopKind.Watchpoint)
            return StopReply(SignalTrap);
        string kind = _breakpoints!.WatchAt(exit.DebugAddress) switch { WatchKind.Read => "rwatch", WatchKind.Access => "awatch", _ => "watch" };
        return $"T{SignalTrap:x2}{kind}:{exit.DebugAddress:x};thread:{ThreadId};";
    }

    private static string StopReply(int signal) => $"T{signal:x2}thread:{ThreadId};";

    private void Stopped(string reply)
    {
        _lastStop = reply;
        _resumed = false;
        _server.Send(reply);
    }

    /// <summary>Answers gdb until it resumes the guest (or detaches, kills, or the machine stops).</summary>
    private void StopLoop(IVcpu vcpu, IVcpuDebug debug)
    {
        _breakpoints!.Disarm();
        var commands = new GdbCommands(vcpu, debug, _memory, _breakpoints);
        while (!_control.IsStopping)
        {
            var next = _server.Next(Poll);
            if (next is GdbEvent.Connected or GdbEvent.Interrupt or GdbEvent.Disconnected)
                _attention = false; // its request to stop the vCPU is answered here
            switch (next)
            {
                case null:
                    continue;
                case GdbEvent.Connected:
                    _lastStop = StopReply(SignalTrap);
                    _resumed = false;
                    break;
                case GdbEvent.Interrupt when _resumed:
                    Stopped(StopReply(SignalInt));
                    break;
                case GdbEvent.Interrupt:
                    break; // already stopped and reported
                case GdbEvent.Disconnected:
                    Detach(debug);
                    return;
                case GdbEvent.Packet { Payload: var packet }:
                    if (Answer(commands, packet, debug))
                        return;
                    break;
            }
        }
    }

    /// <summary>One packet; true when the guest runs again.</summary>
    private bool Answer(GdbCommands commands, string packet, IVcpuDebug debug)
    {
        var outcome = commands.Execute(packet, _lastStop, out string? reply);
        if (reply != null)
            _server.Send(reply);
        switch (outcome)
        {
            case GdbCommands.Outcome.Continue:
            case GdbCommands.Outcome.Step:
                _breakpoints!.Arm(singleStep: outcome == GdbCommands.Outcome.Step);
                _resumed = true;
                return true;
            case GdbCommands.Outcome.Detach:
                _server.CloseClient();
                Detach(debug);
                return true;
            case GdbCommands.Outcome.Kill:
                _server.CloseClient();
                _control.RequestStop(ExitCodes.Success, "killed by gdb");
                return true;
            case GdbCommands.Outcome.NoAck:
                _server.StopAcknowledging();
                return false;
            default:
                return false;
        }
    }

    private void Detach(IVcpuDebug debug)
    {
        _log.Information("gdb detached; the guest runs on");
        _breakpoints!.Clear();
        _breakpoints.Disarm();
        debug.SetGuestDebug(null); // back to full speed until the next client
        _resumed = true;
    }

    public void Dispose() => _server.Dispose();
}
