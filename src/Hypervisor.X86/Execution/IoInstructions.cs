using Hypervisor.Core.Accel;
using Hypervisor.X86.Decoding;
using Iced.Intel;

namespace Hypervisor.X86.Cpu;

/// <summary>
/// IN, OUT, INS, OUTS (SDM Vol. 1, 19; Vol. 2). Every access is a KVM-style Io exit. IN and INS
/// complete on the next Run() with the data the VMM put in VcpuExit.Data. REP INS/OUTS make one exit
/// per iteration (IoCount is always 1): the instruction re-executes until (E)CX reaches 0, so
/// interrupts and RequestExit are honoured between iterations as on hardware.
/// </summary>
internal sealed partial class Cpu
{
    private enum PendingIo : byte { None, InRegister, Ins }

    private PendingIo _pendingIo;
    private int _pendingIoSize;
    private ulong _pendingIoEip;
    private bool _pendingInsRep;
    private int _pendingInsAddrSize;

    private void In(ref DecodedInstruction d)
    {
        int size = d.DataSize;
        ushort port = d.I.Op1Kind == OpKind.Register ? (ushort)R(Gpr.EDX) : d.I.Immediate8;
        CheckIoPermission(port, size);
        SetIoExit(IoDirection.In, port, size);
        _pendingIo = PendingIo.InRegister;
        _pendingIoSize = size;
    }

    private void Out(ref DecodedInstruction d)
    {
        int size = RegSize(d.I.Op1Register);
        ushort port = d.I.Op0Kind == OpKind.Register ? (ushort)R(Gpr.EDX) : d.I.Immediate8;
        CheckIoPermission(port, size);
        SetIoExit(IoDirection.Out, port, size);
        StoreExitData((uint)ReadReg(d.I.Op1Register), size);
    }

    private void Ins(ref DecodedInstruction d, int size)
    {
        bool rep = d.I.HasRepPrefix || d.I.HasRepnePrefix;
        if (rep && CountRegister(d.AddrSize) == 0)
            return;
        ushort port = (ushort)R(Gpr.EDX);
        CheckIoPermission(port, size);
        // Fault on the destination now, before the device sees the read.
        ProbeWrite(Linear(Seg.ES, IndexRegister(Gpr.EDI, d.AddrSize), size, write: true), size);
        SetIoExit(IoDirection.In, port, size);
        _pendingIo = PendingIo.Ins;
        _pendingIoSize = size;
        _pendingIoEip = _instrRip;
        _pendingInsRep = rep;
        _pendingInsAddrSize = d.AddrSize;
    }

    private void Outs(ref DecodedInstruction d, int size)
    {
        bool rep = d.I.HasRepPrefix || d.I.HasRepnePrefix;
        if (rep && CountRegister(d.AddrSize) == 0)
            return;
        ushort port = (ushort)R(Gpr.EDX);
        CheckIoPermission(port, size);
        uint value = (uint)ReadMem(MemorySeg(ref d), IndexRegister(Gpr.ESI, d.AddrSize), size);
        SetIoExit(IoDirection.Out, port, size);
        StoreExitData(value, size);
        AdvanceIndex(Gpr.ESI, d.AddrSize, size);
        if (rep && DecrementCount(d.AddrSize) != 0)
            Rip = _instrRip;
    }

    private void SetIoExit(IoDirection direction, ushort port, int size)
    {
        Exit.Reason = VcpuExitReason.Io;
        Exit.IoDirection = direction;
        Exit.IoPort = port;
        Exit.IoSize = size;
        Exit.IoCount = 1;
        _exitPending = true;
    }

    private void StoreExitData(uint value, int size)
    {
        var data = Exit.Data;
        for (int i = 0; i < size; i++)
            data[i] = (byte)(value >> (8 * i));
    }

    private uint ExitData(int size)
    {
        var data = Exit.Data;
        uint v = 0;
        for (int i = 0; i < size && i < data.Length; i++)
            v |= (uint)data[i] << (8 * i);
        return v;
    }

    /// <summary>Run() entry: finishes an IN/INS or MMIO load with the VMM's data.</summary>
    private void CompletePendingExit()
    {
        if (_mmioLoadPending)
            CompleteMmioLoad();
        if (_pendingIo == PendingIo.None)
            return;
        var kind = _pendingIo;
        _pendingIo = PendingIo.None;
        uint value = Exit.Reason == VcpuExitReason.Io ? ExitData(_pendingIoSize) : 0xFFFFFFFF;
        if (kind == PendingIo.InRegister)
        {
            WriteReg(_pendingIoSize switch { 1 => Register.AL, 2 => Register.AX, _ => Register.EAX }, value);
            return;
        }
        // INS: store at ES:(E)DI now; a fault here restarts the INS (the run loop delivers it).
        ulong resumeEip = Rip;
        _instrRip = _pendingIoEip;
        _instrRsp = R64(Gpr.ESP);
        WriteMem(Seg.ES, IndexRegister(Gpr.EDI, _pendingInsAddrSize), _pendingIoSize, value);
        AdvanceIndex(Gpr.EDI, _pendingInsAddrSize, _pendingIoSize);
        Rip = _pendingInsRep && DecrementCount(_pendingInsAddrSize) != 0 ? _pendingIoEip : resumeEip;
    }

    /// <summary>I/O permission (SDM Vol. 1, 19.5): CPL &lt;= IOPL, else every bit of the TSS I/O bitmap must be clear.</summary>
    private void CheckIoPermission(ushort port, int size)
    {
        if (!ProtectedMode || (!V86Mode && Cpl <= Iopl))
            return;
        ref var tr = ref Segs[Seg.Tr];
        if (!tr.Present || (tr.Type & 7) != 3 || tr.Limit < 0x67) // needs a 32-bit TSS
            throw GP();
        uint bitmapOffset = ReadSystem(tr.Base + 0x66, 2);
        uint byteOffset = bitmapOffset + (uint)(port >> 3);
        if (byteOffset + 1 > tr.Limit)
            throw GP();
        uint bits = ReadSystem(tr.Base + byteOffset, 2);
        uint mask = ((1u << size) - 1) << (port & 7);
        if ((bits & mask) != 0)
            throw GP();
    }
}
