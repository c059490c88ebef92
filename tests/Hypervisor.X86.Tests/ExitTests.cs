using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using static Iced.Intel.AssemblerRegisters;
using static Hypervisor.X86.Tests.Snippet;

namespace Hypervisor.X86.Tests;

/// <summary>KVM-shaped exits: I/O, MMIO, HLT, internal errors, RequestExit, limits, and code invalidation.</summary>
public class ExitTests
{
    private static CpuHarness RealHarness(Action<Iced.Intel.Assembler> code)
    {
        var h = new CpuHarness();
        h.Load(RealCode, h.Assemble(16, RealCode, code));
        h.SetRealMode(0, (ushort)RealCode, 0, 0x7000);
        return h;
    }

    [Fact]
    public void In_completes_on_the_next_run_with_the_vmm_data()
    {
        using var h = RealHarness(a => { a.mov(dx, 0x60); a.@in(al, dx); a.@in(ax, 0x40); a.hlt(); });
        Assert.Equal(VcpuExitReason.Io, h.Run());
        Assert.Equal(IoDirection.In, h.Vcpu.Exit.IoDirection);
        Assert.Equal((ushort)0x60, h.Vcpu.Exit.IoPort);
        h.Vcpu.Exit.Data[0] = 0x5A;
        Assert.Equal(VcpuExitReason.Io, h.Run());
        Assert.Equal(0x5AUL, h.Regs.Rax & 0xFF);
        Assert.Equal((ushort)0x40, h.Vcpu.Exit.IoPort);
        Assert.Equal(2, h.Vcpu.Exit.IoSize);
        h.Vcpu.Exit.Data[0] = 0x34;
        h.Vcpu.Exit.Data[1] = 0x12;
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x1234UL, h.Regs.Rax & 0xFFFF);
    }

    [Fact]
    public void Rep_outsb_exits_once_per_byte_and_rep_insw_stores_each_word()
    {
        using var h = RealHarness(a =>
        {
            a.cld(); a.mov(si, 0x500); a.mov(dx, 0xE9); a.mov(cx, 3); a.rep.outsb();
            a.mov(di, 0x600); a.mov(cx, 2); a.rep.insw(); a.hlt();
        });
        h.Load(0x500, "abc"u8);
        var seen = new List<byte>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(VcpuExitReason.Io, h.Run());
            Assert.Equal(1u, h.Vcpu.Exit.IoCount);
            seen.Add(h.Vcpu.Exit.Data[0]);
        }
        Assert.Equal("abc"u8.ToArray(), seen.ToArray());
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(VcpuExitReason.Io, h.Run());
            Assert.Equal(IoDirection.In, h.Vcpu.Exit.IoDirection);
            h.Vcpu.Exit.Data[0] = (byte)(0x10 + i);
            h.Vcpu.Exit.Data[1] = 0xAB;
        }
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(new byte[] { 0x10, 0xAB, 0x11, 0xAB }, h.Read(0x600, 4));
        Assert.Equal(0x604UL, h.Regs.Rdi & 0xFFFF);
    }

    [Fact]
    public void Mmio_store_exits_with_data_and_load_completes_with_vmm_data()
    {
        using var h = new CpuHarness((0, 0x100000));
        h.Load(FlatCode, h.Assemble(32, FlatCode, a =>
        {
            a.mov(__dword_ptr[0xFEC00000], 0xCAFEBABE);
            a.mov(ebx, __dword_ptr[0xFEC00010]);
            a.add(__word_ptr[0xFEC00020], 5); // load, then store: two exits
            a.hlt();
        }));
        h.SetFlatProtectedMode((uint)FlatCode);
        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.True(h.Vcpu.Exit.MmioIsWrite);
        Assert.Equal(0xFEC00000UL, h.Vcpu.Exit.MmioAddress);
        Assert.Equal(0xCAFEBABEu, BitConverter.ToUInt32(h.Vcpu.Exit.Data));

        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.False(h.Vcpu.Exit.MmioIsWrite);
        Assert.Equal(4, h.Vcpu.Exit.MmioLength);
        BitConverter.GetBytes(0x11223344u).CopyTo(h.Vcpu.Exit.Data);

        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.Equal(0x11223344UL, h.Regs.Rbx);
        Assert.False(h.Vcpu.Exit.MmioIsWrite);
        Assert.Equal(0xFEC00020UL, h.Vcpu.Exit.MmioAddress);
        h.Vcpu.Exit.Data[0] = 10;
        h.Vcpu.Exit.Data[1] = 0;
        Assert.Equal(VcpuExitReason.Mmio, h.Run());
        Assert.True(h.Vcpu.Exit.MmioIsWrite);
        Assert.Equal((ushort)15, BitConverter.ToUInt16(h.Vcpu.Exit.Data));
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
    }

    [Fact]
    public void Fetch_from_unmapped_memory_is_an_internal_error_naming_the_address()
    {
        using var h = new CpuHarness((0x1000, 0x1000));
        h.Load(0x1FFE, [0x90, 0x90]); // runs off the end of RAM
        h.SetRealMode(0, 0x1FFE);
        Assert.Equal(VcpuExitReason.InternalError, h.Run());
        Assert.Contains("0x2000", h.Vcpu.Exit.Message);
        Assert.Contains("0000:00002000", h.Vcpu.Exit.Message);
    }

    [Fact]
    public void Invalid_opcode_raises_UD_through_the_ivt()
    {
        using var h = RealHarness(a => { a.ud2(); a.hlt(); });
        h.Load(6 * 4, [0x00, 0x09, 0x00, 0x00]);
        h.Load(0x900, [0xB3, 0x66, 0xF4]); // mov bl, 0x66; hlt
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x66UL, h.Regs.Rbx & 0xFF);
        // SSE is not in our CPUID: also #UD, not an internal error.
        using var h2 = RealHarness(a => { a.addps(xmm0, xmm1); a.hlt(); });
        h2.Load(6 * 4, [0x00, 0x09, 0x00, 0x00]);
        h2.Load(0x900, [0xB3, 0x77, 0xF4]);
        Assert.Equal(VcpuExitReason.Hlt, h2.Run());
        Assert.Equal(0x77UL, h2.Regs.Rbx & 0xFF);
    }

    [Fact]
    public void Self_modifying_code_executes_the_new_bytes()
    {
        // A loop whose body is patched after its first run: the decoded copy must be dropped.
        var r = Real(a =>
        {
            var again = a.CreateLabel();
            a.xor(bx, bx);
            a.mov(cx, 2);
            a.Label(ref again);
            a.add(bx, 1);                            // 83 C3 01: patched to add bx, 0x10
            a.mov(__byte_ptr[0x7C00 + 5 + 2], 0x10); // immediate of the ADD above
            a.loop(again);
            a.hlt();
        });
        Assert.Equal(0x11UL, r.Rbx & 0xFFFF);
    }

    [Fact]
    public void Dma_write_invalidates_decoded_code()
    {
        using var h = RealHarness(a => { a.mov(al, 1); a.hlt(); a.jmp(0x7C00); });
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(1UL, h.Regs.Rax & 0xFF);
        h.Memory.Write(0x7C01, [2]); // a device rewrites the immediate
        var r = h.Regs;
        r.Rip = 0x7C00;
        h.Vcpu.SetRegisters(r);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(2UL, h.Regs.Rax & 0xFF);
    }

    [Fact]
    public void RequestExit_from_another_thread_stops_an_endless_loop()
    {
        using var h = RealHarness(a => { var l = a.CreateLabel(); a.Label(ref l); a.inc(ax); a.jmp(l); });
        h.Vcpu.InstructionLimit = ulong.MaxValue;
        var t = new Thread(() => { Thread.Sleep(50); h.Vcpu.RequestExit(); });
        t.Start();
        Assert.Equal(VcpuExitReason.Intr, h.Run());
        t.Join();
        Assert.True(h.Vcpu.InstructionsRetired > 0);
        // The guest can continue afterwards.
        h.Vcpu.InstructionLimit = h.Vcpu.InstructionsRetired!.Value + 10;
        Assert.Equal(VcpuExitReason.Intr, h.Run());
    }

    [Fact]
    public void Hlt_with_interrupts_enabled_exits_to_the_vmm_and_takes_the_interrupt_on_the_next_run()
    {
        using var h = RealHarness(a => { a.sti(); a.hlt(); a.hlt(); });
        h.Load(0x20 * 4, [0x00, 0x09, 0x00, 0x00]);
        h.Load(0x900, [0xB3, 0x55, 0xCF]); // mov bl, 0x55; iret
        var pic = new SingleLineController(0x20);
        h.Vcpu.InterruptController = pic;

        // Nothing pending: the VMM gets the halt (and sleeps until the controller asserts INTR).
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0, pic.Acknowledged);
        pic.SetInput(0, true);
        // The next Run takes the interrupt; its handler's IRET returns to the second HLT.
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
        Assert.Equal(0x55UL, h.Regs.Rbx & 0xFF);
        Assert.Equal(1, pic.Acknowledged);
    }

    [Fact]
    public void Hlt_with_an_interrupt_already_pending_takes_it_without_exiting()
    {
        using var h = RealHarness(a => { a.sti(); a.hlt(); a.cli(); a.hlt(); });
        h.Load(0x20 * 4, [0x00, 0x09, 0x00, 0x00]);
        h.Load(0x900, [0xB3, 0x66, 0xCF]); // mov bl, 0x66; iret
        var pic = new SingleLineController(0x20);
        pic.SetInput(0, true);
        h.Vcpu.InterruptController = pic;

        Assert.Equal(VcpuExitReason.Hlt, h.Run()); // the second HLT, with IF = 0
        Assert.Equal(0x66UL, h.Regs.Rbx & 0xFF);
        Assert.Equal(1, pic.Acknowledged);
    }

    [Fact]
    public void Hlt_with_interrupts_disabled_exits()
    {
        using var h = RealHarness(a => { a.cli(); a.hlt(); });
        h.Vcpu.InterruptController = new SingleLineController(0x20);
        Assert.Equal(VcpuExitReason.Hlt, h.Run());
    }

    /// <summary>The smallest real controller: one edge-triggered line to one vector.</summary>
    private sealed class SingleLineController(byte vector) : IInterruptController
    {
        private volatile bool _pending;
        public int Acknowledged;

        public void SetInput(int line, bool level)
        {
            if (level)
                _pending = true;
        }

        public bool HasPendingInterrupt => _pending;

        public byte Acknowledge()
        {
            _pending = false;
            Acknowledged++;
            return vector;
        }

        public void Dispose()
        {
        }
    }
}
