using System.Buffers.Binary;
using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Memory;

namespace Hypervisor.X86.Tests;

/// <summary>
/// The software CPU on a firmware map: it starts at the reset vector in the ROM below 4 GiB, ROM
/// writes leave as MMIO (and change nothing), and PAM switches take effect at the next instruction,
/// code decoded from the ROM included.
/// </summary>
public sealed class FirmwareRomTests : IDisposable
{
    private const int RomSize = 64 * 1024; // aliased at 0xF0000
    private readonly byte[] _image = new byte[RomSize];
    private readonly GuestMemory _ram = new([(0, 0x100000)]);
    private FirmwareMemory? _firmware;
    private SoftVm? _vm;
    private SoftVcpu? _vcpu;

    private SoftVcpu Start(ushort? cs = null, ushort ip = 0)
    {
        _firmware = FirmwareMemory.Create(_image, _ram, "test.rom");
        _vm = (SoftVm)new SoftAccelerator().CreateVm(_ram, new VmOptions { Firmware = _firmware });
        _vcpu = (SoftVcpu)_vm.CreateVcpu(0);
        _vcpu.InstructionLimit = 10_000;
        var state = ResetVectorEntry.State();
        var special = state.SpecialRegisters;
        var registers = state.Registers;
        if (cs is { } selector)
        {
            special.Cs = SegmentRegister.RealMode(selector, code: true);
            registers.Rip = ip;
        }
        _vcpu.SetSpecialRegisters(special);
        _vcpu.SetRegisters(registers);
        return _vcpu;
    }

    private void Rom(int offset, params byte[] code) => code.CopyTo(_image, offset);

    private void Ram(ulong address, params byte[] bytes) => _ram.Write(address, bytes);

    private static ushort OutWord(SoftVcpu vcpu)
    {
        Assert.Equal(VcpuExitReason.Io, vcpu.Run());
        Assert.Equal((ushort)0x80, vcpu.Exit.IoPort);
        return BinaryPrimitives.ReadUInt16LittleEndian(vcpu.Exit.Data);
    }

    // mov ax, [cs:0x100]; out 0x80, ax
    private static readonly byte[] ReadWordAt100 = [0x2E, 0xA1, 0x00, 0x01, 0xE7, 0x80];

    [Fact]
    public void The_first_instruction_is_fetched_at_0xFFFFFFF0_from_the_rom()
    {
        Rom(0xFFF0, ReadWordAt100.Concat(new byte[] { 0xF4 }).ToArray()); // ... hlt
        Rom(0x100, 0x34, 0x12);
        var vcpu = Start();

        Assert.Equal(0x1234, OutWord(vcpu)); // CS.base 0xFFFF0000: cs:0x100 is ROM offset 0x100
        Assert.Equal(VcpuExitReason.Hlt, vcpu.Run());
        Assert.Equal(0xF000, vcpu.GetSpecialRegisters().Cs.Selector);
    }

    [Fact]
    public void Writes_to_the_rom_exit_as_mmio_and_change_nothing()
    {
        // mov word [cs:0x100], 0xBEEF; mov ax, [cs:0x100]; out 0x80, ax
        Rom(0xE000, [0x2E, 0xC7, 0x06, 0x00, 0x01, 0xEF, 0xBE, .. ReadWordAt100]);
        Rom(0x100, 0x34, 0x12);
        var vcpu = Start(cs: 0xF000, ip: 0xE000);

        Assert.Equal(VcpuExitReason.Mmio, vcpu.Run());
        Assert.True(vcpu.Exit.MmioIsWrite);
        Assert.Equal(0xF0100UL, vcpu.Exit.MmioAddress);
        Assert.Equal(0x1234, OutWord(vcpu));
        Assert.Equal(0x12, _image[0x101]);
    }

    [Fact]
    public void Write_enable_alone_sends_writes_to_shadow_ram_while_reads_stay_on_the_rom()
    {
        Rom(0xE000, [0x2E, 0xC7, 0x06, 0x00, 0x01, 0xEF, 0xBE, .. ReadWordAt100]);
        Rom(0x100, 0x34, 0x12);
        var vcpu = Start(cs: 0xF000, ip: 0xE000);
        _firmware!.SetShadow(0xF0000, 0x10000, ShadowAccess.WriteRam);

        Assert.Equal(0x1234, OutWord(vcpu));
        var shadow = new byte[2];
        _ram.Read(0xF0100, shadow);
        Assert.Equal([0xEF, 0xBE], shadow);
    }

    [Fact]
    public void Switching_to_shadow_ram_drops_code_decoded_from_the_rom()
    {
        // ROM:  E000 mov ax, [cs:0x100]; out 0x80, ax; jmp E000
        // RAM:  E000 mov ax, 0x7777; nop; out 0x80, ax; jmp E000
        Rom(0xE000, [.. ReadWordAt100, 0xEB, 0xF8]);
        Rom(0x100, 0x34, 0x12);
        Ram(0xFE000, 0xB8, 0x77, 0x77, 0x90, 0xE7, 0x80, 0xEB, 0xF8);
        var vcpu = Start(cs: 0xF000, ip: 0xE000);

        Assert.Equal(0x1234, OutWord(vcpu));
        Assert.Equal(0x1234, OutWord(vcpu)); // decoded and cached
        _firmware!.SetShadow(0xF0000, 0x10000, ShadowAccess.ReadWriteRam);

        Assert.Equal(0x7777, OutWord(vcpu));
        _firmware.SetShadow(0xF0000, 0x10000, ShadowAccess.None);
        Assert.Equal(0x1234, OutWord(vcpu));
    }

    public void Dispose()
    {
        _vm?.Dispose();
        _firmware?.Dispose();
        _ram.Dispose();
    }
}
