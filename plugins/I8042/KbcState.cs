namespace MiniVmm.Devices.Keyboard;

/// <summary>The 8042's state apart from the live device.</summary>
public sealed record KbcState
{
    public byte CommandByte { get; set; } = KbcCommandByte.PowerOn;

    public byte OutputPort { get; set; } = KbcOutputPort.PowerOn;

    /// <summary>Status bits that persist: SYS and A2.</summary>
    public byte Status { get; set; } = KbcStatus.KeyboardUnlocked;

    /// <summary>The controller command waiting for its data byte at 0x60 (0x60, 0xD1 …), or 0.</summary>
    public byte PendingCommand { get; set; }

    /// <summary>The keyboard command waiting for its parameter byte (0xED, 0xF0, 0xF3), or 0.</summary>
    public byte PendingKeyboardCommand { get; set; }

    /// <summary>Bytes for the guest at 0x60, each marked as coming from the aux port or not.</summary>
    public Queue<(byte Value, bool Aux)> Output { get; init; } = new();

    public bool KeyboardScanning { get; set; } = true;
}
