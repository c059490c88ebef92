namespace MiniVmm.Devices.Keyboard;

/// <summary>The status register (read at 0x64).</summary>
public static class KbcStatus
{
    /// <summary>OBF: a byte waits at 0x60.</summary>
    public const byte OutputFull = 0x01;

    /// <summary>IBF: the controller has not taken the last write yet (never set here: writes are taken at once).</summary>
    public const byte InputFull = 0x02;

    /// <summary>SYS: the system flag, set by a passed self-test (and command byte bit 2).</summary>
    public const byte SystemFlag = 0x04;

    /// <summary>A2: the last write went to the command port (1) or the data port (0).</summary>
    public const byte LastWriteWasCommand = 0x08;

    /// <summary>INH: 1 = the keyboard is not inhibited (the key lock is open).</summary>
    public const byte KeyboardUnlocked = 0x10;

    /// <summary>AUXB: the byte at 0x60 came from the auxiliary (mouse) port.</summary>
    public const byte AuxOutputFull = 0x20;
}

/// <summary>The command byte (controller RAM byte 0; read with 0x20, written with 0x60).</summary>
public static class KbcCommandByte
{
    public const byte KeyboardInterrupt = 0x01;
    public const byte AuxInterrupt = 0x02;
    public const byte SystemFlag = 0x04;
    public const byte KeyboardDisabled = 0x10;
    public const byte AuxDisabled = 0x20;
    public const byte Translate = 0x40;

    /// <summary>What the controller holds after reset (interrupts on, translation on, as a BIOS leaves it).</summary>
    public const byte PowerOn = KeyboardInterrupt | Translate;
}

/// <summary>Controller commands (written to 0x64).</summary>
public static class KbcCommand
{
    public const byte ReadCommandByte = 0x20;
    public const byte WriteCommandByte = 0x60;
    public const byte DisableAux = 0xa7;
    public const byte EnableAux = 0xa8;
    public const byte TestAux = 0xa9;
    public const byte SelfTest = 0xaa;
    public const byte TestKeyboard = 0xab;
    public const byte DisableKeyboard = 0xad;
    public const byte EnableKeyboard = 0xae;
    public const byte ReadInputPort = 0xc0;
    public const byte ReadOutputPort = 0xd0;
    public const byte WriteOutputPort = 0xd1;
    public const byte WriteKeyboardOutput = 0xd2;
    public const byte WriteAuxOutput = 0xd3;
    public const byte WriteToAux = 0xd4;
    public const byte DisableA20 = 0xdd;
    public const byte EnableA20 = 0xdf;
    public const byte ReadTestInputs = 0xe0;

    /// <summary>0xF0-0xFF pulse the output port bits whose mask bits (3:0) are 0; 0xFE pulses the reset line.</summary>
    public const byte PulseOutputPortFirst = 0xf0;
    public const byte PulseResetLine = 0xfe;

    /// <summary>The self-test's "passed" answer, and the interface tests' "no error".</summary>
    public const byte SelfTestPassed = 0x55;
    public const byte InterfaceOk = 0x00;
}

/// <summary>The controller's output port (read with 0xD0, written with 0xD1).</summary>
public static class KbcOutputPort
{
    /// <summary>Bit 0, active low: 0 holds the CPU in reset.</summary>
    public const byte NotReset = 0x01;
    public const byte A20 = 0x02;
    public const byte KeyboardOutputFull = 0x10;
    public const byte AuxOutputFull = 0x20;

    public const byte PowerOn = NotReset | A20;
}

/// <summary>PS/2 keyboard commands (written to 0x60) and its answers.</summary>
public static class KeyboardCommand
{
    public const byte SetLeds = 0xed;
    public const byte Echo = 0xee;
    public const byte ScanCodeSet = 0xf0;
    public const byte Identify = 0xf2;
    public const byte SetTypematic = 0xf3;
    public const byte Enable = 0xf4;
    public const byte DisableAndDefault = 0xf5;
    public const byte SetDefault = 0xf6;
    public const byte Resend = 0xfe;
    public const byte Reset = 0xff;

    public const byte Ack = 0xfa;
    public const byte SelfTestPassed = 0xaa;

    /// <summary>The MF2 keyboard's identity, after the ACK to 0xF2.</summary>
    public const byte IdFirst = 0xab;
    public const byte IdSecond = 0x83;
}
