using System.Text;
using Hypervisor.Core.Accel;

namespace Hypervisor.Core.Debug;

/// <summary>
/// The i386 register set as gdb expects it (its features/i386/32bit-core.xml): eax..edi, eip,
/// eflags, cs..gs, then the x87 registers, which gdb requires in the core feature. Register
/// numbers are the order here. The x87 registers read as their reset values and ignore writes
/// (the vCPU interface carries no FPU state yet).
/// </summary>
internal static class I386TargetDescription
{
    public const int GeneralCount = 16;
    private const int X87DataCount = 8;
    private const int X87ControlCount = 8;
    private const int X87DataBytes = 10;
    private const uint X87ResetControlWord = 0x37f;
    private const uint X87ResetTagWord = 0xffff;

    private static readonly string[] General =
        ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags", "cs", "ss", "ds", "es", "fs", "gs"];
    private static readonly string[] X87Control = ["fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"];

    public static int Count => GeneralCount + X87DataCount + X87ControlCount;

    public static string Xml { get; } = BuildXml();

    private static string BuildXml()
    {
        var x = new StringBuilder();
        x.Append("<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\"><target><architecture>i386</architecture>");
        x.Append("<feature name=\"org.gnu.gdb.i386.core\">");
        x.Append("<flags id=\"i386_eflags\" size=\"4\">");
        foreach (var (name, bit) in new[] { ("CF", 0), ("", 1), ("PF", 2), ("AF", 4), ("ZF", 6), ("SF", 7), ("TF", 8), ("IF", 9), ("DF", 10), ("OF", 11),
                     ("NT", 14), ("RF", 16), ("VM", 17), ("AC", 18), ("VIF", 19), ("VIP", 20), ("ID", 21) })
            x.Append($"<field name=\"{name}\" start=\"{bit}\" end=\"{bit}\"/>");
        x.Append("</flags>");
        for (int i = 0; i < 8; i++)
            x.Append($"<reg name=\"{General[i]}\" bitsize=\"32\" type=\"{(i is 4 or 5 ? "data_ptr" : "int32")}\"/>");
        x.Append("<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/><reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>");
        for (int i = 10; i < GeneralCount; i++)
            x.Append($"<reg name=\"{General[i]}\" bitsize=\"32\" type=\"int32\"/>");
        for (int i = 0; i < X87DataCount; i++)
            x.Append($"<reg name=\"st{i}\" bitsize=\"80\" type=\"i387_ext\"/>");
        foreach (string name in X87Control)
            x.Append($"<reg name=\"{name}\" bitsize=\"32\" type=\"int\" group=\"float\"/>");
        x.Append("</feature></target>");
        return x.ToString();
    }

    /// <summary>Bytes of register <paramref name="number"/> in the g packet.</summary>
    public static int Size(int number) => number >= GeneralCount && number < GeneralCount + X87DataCount ? X87DataBytes : 4;

    /// <summary>Register <paramref name="number"/>'s value, little-endian hex as gdb reads it.</summary>
    public static string Read(int number, in VcpuRegisters r, in VcpuSpecialRegisters s)
    {
        if (number >= GeneralCount)
        {
            int control = number - GeneralCount - X87DataCount;
            uint value = control switch { 0 => X87ResetControlWord, 2 => X87ResetTagWord, _ => 0 };
            return control < 0 ? new string('0', 2 * X87DataBytes) : Hex.Of32(value);
        }
        ulong v = number switch
        {
            0 => r.Rax, 1 => r.Rcx, 2 => r.Rdx, 3 => r.Rbx, 4 => r.Rsp, 5 => r.Rbp, 6 => r.Rsi, 7 => r.Rdi,
            8 => r.Rip, 9 => r.Rflags,
            10 => s.Cs.Selector, 11 => s.Ss.Selector, 12 => s.Ds.Selector, 13 => s.Es.Selector, 14 => s.Fs.Selector, _ => s.Gs.Selector,
        };
        return Hex.Of32((uint)v);
    }

    /// <summary>Sets a general register (eax..eflags); segment and x87 writes are ignored, false for those.</summary>
    public static bool Write(int number, uint value, ref VcpuRegisters r)
    {
        switch (number)
        {
            case 0: r.Rax = value; break;
            case 1: r.Rcx = value; break;
            case 2: r.Rdx = value; break;
            case 3: r.Rbx = value; break;
            case 4: r.Rsp = value; break;
            case 5: r.Rbp = value; break;
            case 6: r.Rsi = value; break;
            case 7: r.Rdi = value; break;
            case 8: r.Rip = value; break;
            case 9: r.Rflags = value; break;
            default: return false;
        }
        return true;
    }
}

/// <summary>The protocol's hex: bytes as two lowercase digits, values little-endian.</summary>
internal static class Hex
{
    public static string Of32(uint value) => Convert.ToHexStringLower(BitConverter.GetBytes(value));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>A little-endian 32-bit value from gdb's hex (a register's bytes).</summary>
    public static uint LittleEndian32(string hex)
    {
        var bytes = Convert.FromHexString(hex.Length >= 8 ? hex[..8] : hex.PadRight(8, '0'));
        return BitConverter.ToUInt32(bytes);
    }

    /// <summary>A big-endian number as gdb writes addresses and lengths ("100000").</summary>
    public static ulong Number(string hex) => Convert.ToUInt64(hex, 16);
}
