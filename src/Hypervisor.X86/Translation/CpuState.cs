using System.Reflection;

namespace Hypervisor.X86.Translation;

/// <summary>
/// The CPU fields and methods translated code touches, bound once by name (a rename breaks the
/// type initializer, which every translator test runs, rather than a guest).
/// </summary>
internal static class CpuState
{
    private const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    public static readonly FieldInfo Regs = Field("Regs");
    public static readonly FieldInfo Rip = Field("Rip");
    public static readonly FieldInfo Retired = Field("Retired");
    public static readonly FieldInfo InstructionLimit = Field("InstructionLimit");
    public static readonly FieldInfo Attention = Field("_attention");
    public static readonly FieldInfo Flags = Field("_flags");
    public static readonly FieldInfo LazyOp = Field("_lazyOp");
    public static readonly FieldInfo LazyA = Field("_lazyA");
    public static readonly FieldInfo LazyB = Field("_lazyB");
    public static readonly FieldInfo LazyResult = Field("_lazyResult");
    public static readonly FieldInfo LazyA64 = Field("_lazyA64");
    public static readonly FieldInfo LazyB64 = Field("_lazyB64");
    public static readonly FieldInfo LazyResult64 = Field("_lazyResult64");
    public static readonly FieldInfo Tlb = Field("_tlb");
    public static readonly FieldInfo Segs = Field("Segs");
    public static readonly FieldInfo InstrEip = Field("_instrRip");
    public static readonly FieldInfo InstrEsp = Field("_instrRsp");
    public static readonly FieldInfo ExitPending = Field("_exitPending");
    public static readonly FieldInfo LeaveBlock = Field("_leaveBlock");
    public static readonly FieldInfo EipLimit = Field("_eipLimit");

    public static readonly FieldInfo SegmentBase = typeof(Cpu.SegmentCache).GetField("Base")!;
    public static readonly FieldInfo TlbTag = typeof(Memory.TlbEntry).GetField("Tag")!;
    public static readonly FieldInfo TlbRead = typeof(Memory.TlbEntry).GetField("Read")!;
    public static readonly FieldInfo TlbWrite = typeof(Memory.TlbEntry).GetField("Write")!;

    public static readonly MethodInfo ReadMem8 = Method("ReadMem8");
    public static readonly MethodInfo ReadMem16 = Method("ReadMem16");
    public static readonly MethodInfo ReadMem32 = Method("ReadMem32");
    public static readonly MethodInfo WriteMem8 = Method("WriteMem8");
    public static readonly MethodInfo WriteMem16 = Method("WriteMem16");
    public static readonly MethodInfo WriteMem32 = Method("WriteMem32");
    public static readonly MethodInfo ReadMem64 = Method("ReadMem64");
    public static readonly MethodInfo WriteMem64 = Method("WriteMem64");
    public static readonly MethodInfo ExecuteInBlock = Method("ExecuteInBlock");
    public static readonly MethodInfo ReadModifyWrite = Method("ReadModifyWriteInBlock");
    public static readonly MethodInfo CheckNearTarget = Method("CheckNearTarget");
    public static readonly MethodInfo Condition = Method("Condition");
    public static readonly MethodInfo FastCondition = Method("FastCondition");
    public static readonly MethodInfo SettleCarry = Method("SettleCarry");
    public static readonly MethodInfo Shift = Method("ShiftInBlock");
    public static readonly MethodInfo Imul32 = Method("Imul32");
    public static readonly MethodInfo ImulQ = Method("ImulQ");
    public static readonly MethodInfo Shift64 = Method("Shift64InBlock");
    public static readonly MethodInfo Adc64 = Method("Adc64InBlock");
    public static readonly MethodInfo Adc32 = Method("Adc32");
    public static readonly MethodInfo Sbb32 = Method("Sbb32");
    public static readonly MethodInfo Alu8 = Method("Alu8");
    public static readonly MethodInfo LogicFlags = Method("LogicFlags");

    private static FieldInfo Field(string name) =>
        typeof(Cpu.Cpu).GetField(name, Any) ?? throw new MissingFieldException(nameof(Cpu.Cpu), name);

    private static MethodInfo Method(string name) =>
        typeof(Cpu.Cpu).GetMethod(name, Any) ?? throw new MissingMethodException(nameof(Cpu.Cpu), name);
}
