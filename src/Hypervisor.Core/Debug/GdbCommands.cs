using System.Text;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;

namespace Hypervisor.Core.Debug;

/// <summary>
/// The packets of the gdb remote serial protocol a stopped vCPU answers: registers (g, G, p, P),
/// memory by linear address through the guest's paging (m, M), breakpoints and watchpoints (Z, z),
/// resumption (c, s, vCont), detach and kill, and the queries gdb makes on connecting
/// (qSupported, the i386 target description, threads). Unknown packets get the empty reply.
/// </summary>
internal sealed class GdbCommands(IVcpu vcpu, IVcpuDebug debug, GuestMemory memory, GdbBreakpoints breakpoints)
{
    private const int PacketSize = 0x1000;
    private const string ErrorMemory = "E14";
    private const string ErrorInvalid = "E22";
    private const string Ok = "OK";

    public enum Outcome { Stay, Continue, Step, Detach, Kill, NoAck }

    public Outcome Execute(string packet, string lastStop, out string? reply)
    {
        reply = "";
        try
        {
            return Dispatch(packet, lastStop, ref reply);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or IndexOutOfRangeException)
        {
            reply = ErrorInvalid; // a malformed packet: gdb shows the error, the session goes on
            return Outcome.Stay;
        }
    }

    private Outcome Dispatch(string packet, string lastStop, ref string? reply)
    {
        if (packet.Length == 0)
            return Outcome.Stay;
        string args = packet[1..];
        switch (packet[0])
        {
            case '?': reply = lastStop; return Outcome.Stay;
            case 'g': reply = ReadAllRegisters(); return Outcome.Stay;
            case 'G': reply = WriteAllRegisters(args); return Outcome.Stay;
            case 'p': reply = ReadRegister((int)Hex.Number(args)); return Outcome.Stay;
            case 'P': reply = WriteRegister(args); return Outcome.Stay;
            case 'm': reply = ReadMemory(args); return Outcome.Stay;
            case 'M': reply = WriteMemory(args); return Outcome.Stay;
            case 'Z': reply = Breakpoint(args, insert: true); return Outcome.Stay;
            case 'z': reply = Breakpoint(args, insert: false); return Outcome.Stay;
            case 'H' or 'T': reply = Ok; return Outcome.Stay;
            case 'c' or 's':
                reply = null; // the stop reply comes when the guest stops
                ResumeAt(args);
                return packet[0] == 'c' ? Outcome.Continue : Outcome.Step;
            case 'C' or 'S':
                reply = null; // the signal is dropped: a guest has no signals
                int semicolon = args.IndexOf(';');
                ResumeAt(semicolon < 0 ? "" : args[(semicolon + 1)..]);
                return packet[0] == 'C' ? Outcome.Continue : Outcome.Step;
            case 'D': reply = Ok; return Outcome.Detach;
            case 'k': reply = null; return Outcome.Kill;
            case 'q': reply = Query(packet); return Outcome.Stay;
            case 'Q' when packet == "QStartNoAckMode": reply = Ok; return Outcome.NoAck;
            case 'v': return VerbosePacket(packet, ref reply);
            default: return Outcome.Stay;
        }
    }

    private Outcome VerbosePacket(string packet, ref string? reply)
    {
        if (packet == "vCont?")
        {
            reply = "vCont;c;C;s;S";
            return Outcome.Stay;
        }
        if (packet.StartsWith("vCont;", StringComparison.Ordinal))
        {
            // All-stop with one thread: any step action steps it; otherwise it continues.
            var actions = packet[6..].Split(';').Select(a => a.Split(':')[0]).ToList();
            reply = null;
            return actions.Any(a => a.StartsWith('s') || a.StartsWith('S')) ? Outcome.Step : Outcome.Continue;
        }
        if (packet.StartsWith("vKill", StringComparison.Ordinal))
        {
            reply = Ok;
            return Outcome.Kill;
        }
        return Outcome.Stay; // vMustReplyEmpty and everything else: ""
    }

    private static string Query(string packet)
    {
        if (packet.StartsWith("qSupported", StringComparison.Ordinal))
            return $"PacketSize={PacketSize:x};qXfer:features:read+;vContSupported+;QStartNoAckMode+";
        if (packet.StartsWith("qXfer:features:read:", StringComparison.Ordinal))
            return TargetDescription(packet["qXfer:features:read:".Length..]);
        return packet switch
        {
            "qAttached" => "1",
            "qC" => "QC" + "1",
            "qfThreadInfo" => "m1",
            "qsThreadInfo" => "l",
            "qSymbol::" => Ok,
            _ => "",
        };
    }

    /// <summary>qXfer:features:read:target.xml:offset,length → m (more follows) or l (the end) and the text.</summary>
    private static string TargetDescription(string args)
    {
        int colon = args.IndexOf(':');
        if (colon < 0 || args[..colon] != "target.xml")
            return "E00";
        string[] range = args[(colon + 1)..].Split(',');
        int offset = (int)Hex.Number(range[0]), length = (int)Hex.Number(range[1]);
        string xml = I386TargetDescription.Xml;
        if (offset >= xml.Length)
            return "l";
        string part = xml.Substring(offset, Math.Min(length, xml.Length - offset));
        return (offset + part.Length >= xml.Length ? "l" : "m") + part;
    }

    private string ReadAllRegisters()
    {
        var r = vcpu.GetRegisters();
        var s = vcpu.GetSpecialRegisters();
        var all = new StringBuilder();
        for (int n = 0; n < I386TargetDescription.Count; n++)
            all.Append(I386TargetDescription.Read(n, r, s));
        return all.ToString();
    }

    private string WriteAllRegisters(string hex)
    {
        var r = vcpu.GetRegisters();
        for (int n = 0; n < I386TargetDescription.GeneralCount && (n + 1) * 8 <= hex.Length; n++)
            I386TargetDescription.Write(n, Hex.LittleEndian32(hex.Substring(n * 8, 8)), ref r);
        vcpu.SetRegisters(r);
        return Ok;
    }

    private string ReadRegister(int number)
    {
        if (number < 0 || number >= I386TargetDescription.Count)
            return "E00";
        return I386TargetDescription.Read(number, vcpu.GetRegisters(), vcpu.GetSpecialRegisters());
    }

    private string WriteRegister(string args)
    {
        int eq = args.IndexOf('=');
        int number = (int)Hex.Number(args[..eq]);
        var r = vcpu.GetRegisters();
        if (I386TargetDescription.Write(number, Hex.LittleEndian32(args[(eq + 1)..]), ref r))
            vcpu.SetRegisters(r);
        return Ok;
    }

    private void ResumeAt(string address)
    {
        if (address.Length == 0)
            return;
        var r = vcpu.GetRegisters();
        r.Rip = Hex.Number(address);
        vcpu.SetRegisters(r);
    }

    /// <summary>m addr,length: what is readable from the start, page by page through the guest's paging; E14 when nothing is.</summary>
    private string ReadMemory(string args)
    {
        var (address, length) = AddressAndLength(args);
        var bytes = new byte[Math.Min(length, PacketSize / 2)];
        int done = 0;
        while (done < bytes.Length)
        {
            ulong linear = address + (ulong)done;
            int chunk = (int)Math.Min((ulong)(bytes.Length - done), 0x1000 - (linear & 0xFFF));
            if (!debug.TryTranslate(linear, out ulong physical) || !memory.IsRam(physical, (ulong)chunk))
                break;
            memory.Read(physical, bytes.AsSpan(done, chunk));
            done += chunk;
        }
        return done == 0 && bytes.Length > 0 ? ErrorMemory : Hex.Of(bytes.AsSpan(0, done));
    }

    /// <summary>M addr,length:bytes: all or nothing (every page checked first).</summary>
    private string WriteMemory(string args)
    {
        int colon = args.IndexOf(':');
        var (address, length) = AddressAndLength(args[..colon]);
        byte[] data = Convert.FromHexString(args[(colon + 1)..]);
        if (data.Length != length)
            return ErrorInvalid;
        var pieces = new List<(ulong Physical, int Offset, int Length)>();
        for (int done = 0; done < data.Length;)
        {
            ulong linear = address + (ulong)done;
            int chunk = (int)Math.Min((ulong)(data.Length - done), 0x1000 - (linear & 0xFFF));
            if (!debug.TryTranslate(linear, out ulong physical) || !memory.IsRam(physical, (ulong)chunk))
                return ErrorMemory;
            pieces.Add((physical, done, chunk));
            done += chunk;
        }
        foreach (var (physical, offset, chunk) in pieces)
            memory.Write(physical, data.AsSpan(offset, chunk)); // the software CPU drops decoded code there
        return Ok;
    }

    /// <summary>Z/z type,addr,kind.</summary>
    private string Breakpoint(string args, bool insert)
    {
        string[] parts = args.Split(';')[0].Split(',');
        int type = (int)Hex.Number(parts[0]);
        if (type > 4)
            return "";
        ulong address = Hex.Number(parts[1]);
        int length = (int)Hex.Number(parts[2]);
        if (!insert)
        {
            breakpoints.Remove(type, address, length);
            return Ok;
        }
        return breakpoints.Insert(type, address, length) ? Ok : "E28";
    }

    private static (ulong Address, int Length) AddressAndLength(string args)
    {
        int comma = args.IndexOf(',');
        return (Hex.Number(args[..comma]), (int)Hex.Number(args[(comma + 1)..]));
    }
}
