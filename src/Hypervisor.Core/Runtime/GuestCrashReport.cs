using System.Text;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Memory;
using Iced.Intel;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// What a user needs when a guest dies: the registers, the segment state and the instruction at
/// CS:RIP, disassembled.
/// </summary>
public static class GuestCrashReport
{
    /// <param name="vcpu">The vCPU that crashed.</param>
    /// <param name="memory">Guest RAM.</param>
    /// <param name="firmware">The firmware ROM and shadow region, where code may also run; or null.</param>
    public static string Format(IVcpu vcpu, GuestMemory memory, FirmwareMemory? firmware = null)
    {
        VcpuRegisters r;
        VcpuSpecialRegisters s;
        try
        {
            r = vcpu.GetRegisters();
            s = vcpu.GetSpecialRegisters();
        }
        catch (Exception e)
        {
            return $"  (registers unavailable: {e.Message})";
        }

        var text = new StringBuilder();
        text.AppendLine($"  vcpu{vcpu.Id}: rax={r.Rax:x16} rbx={r.Rbx:x16} rcx={r.Rcx:x16} rdx={r.Rdx:x16}");
        text.AppendLine($"         rsi={r.Rsi:x16} rdi={r.Rdi:x16} rsp={r.Rsp:x16} rbp={r.Rbp:x16}");
        text.AppendLine($"         rip={r.Rip:x16} rflags={r.Rflags:x8} cr0={s.Cr0:x8} cr2={s.Cr2:x8} cr3={s.Cr3:x8} cr4={s.Cr4:x8}");
        text.AppendLine($"         cs={s.Cs.Selector:x4}(base {s.Cs.Base:x}) ds={s.Ds.Selector:x4} es={s.Es.Selector:x4} ss={s.Ss.Selector:x4}(base {s.Ss.Base:x}) gdt={s.Gdt.Base:x}/{s.Gdt.Limit:x} idt={s.Idt.Base:x}/{s.Idt.Limit:x}");
        text.Append("  at ").Append(DisassembleAt(s, r, memory, firmware));
        return text.ToString();
    }

    /// <summary>"cs:ip  bytes  mnemonic" for the instruction at CS:RIP, when paging is off and it is in RAM (or the firmware's ROM).</summary>
    public static string DisassembleAt(in VcpuSpecialRegisters s, in VcpuRegisters r, GuestMemory memory, FirmwareMemory? firmware = null)
    {
        int bitness = s.Cs.L ? 64 : (s.Cr0 & 1) != 0 && s.Cs.Db ? 32 : 16;
        ulong ip = bitness == 16 ? r.Rip & 0xffff : r.Rip;
        string where = $"{s.Cs.Selector:x4}:{ip:x}";
        if ((s.Cr0 & 0x8000_0000) != 0)
            return $"{where} (paging is on; linear address 0x{s.Cs.Base + ip:x})";
        ulong physical = s.Cs.Base + ip;
        var bytes = new byte[15];
        int length = 0;
        while (length < bytes.Length && ReadCodeByte(memory, firmware, physical + (ulong)length, out bytes[length]))
            length++;
        if (length == 0)
            return $"{where} (physical 0x{physical:x} is not RAM)";
        var decoder = Iced.Intel.Decoder.Create(bitness, new ByteArrayCodeReader(bytes, 0, length));
        decoder.IP = ip;
        decoder.Decode(out var instruction);
        var output = new StringOutput();
        new NasmFormatter().Format(instruction, output);
        string hex = Convert.ToHexString(bytes, 0, Math.Max(1, instruction.Length)).ToLowerInvariant();
        return $"{where} (physical 0x{physical:x})  {hex}  {output}";
    }

    /// <summary>A byte as the CPU fetches it: from the firmware map where it decides, else from RAM.</summary>
    private static bool ReadCodeByte(GuestMemory memory, FirmwareMemory? firmware, ulong address, out byte value)
    {
        if (firmware != null && firmware.TryReadByte(address, out value))
            return true;
        value = 0;
        if (firmware != null && firmware.Covers(address >> 12))
            return false; // the map decides this page and nothing answers there
        if (!memory.IsRam(address, 1))
            return false;
        Span<byte> one = stackalloc byte[1];
        memory.Read(address, one);
        value = one[0];
        return true;
    }
}
