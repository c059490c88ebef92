namespace Hypervisor.Core.Backends;

/// <summary>What the console escape filter makes of one typed byte.</summary>
public enum EscapeAction
{
    /// <summary>Send <see cref="EscapeFilter.Output"/> to the guest.</summary>
    Forward,

    /// <summary>Nothing reaches the guest (the escape key itself, or an unknown command).</summary>
    Swallow,

    /// <summary>Ctrl-A X: the user wants to quit.</summary>
    Quit,

    /// <summary>Ctrl-A H: show the escape commands.</summary>
    Help,
}

/// <summary>
/// QEMU's console escapes on a raw terminal: Ctrl-A X quits, Ctrl-A Ctrl-A sends one Ctrl-A to
/// the guest, Ctrl-A H shows help. Everything else passes through.
/// </summary>
public sealed class EscapeFilter
{
    /// <summary>Ctrl-A.</summary>
    public const byte EscapeKey = 0x01;

    /// <summary>Shown for Ctrl-A H.</summary>
    public const string HelpText = "C-a x    exit the VM\r\nC-a C-a  send C-a to the guest\r\nC-a h    this help\r\n";

    /// <summary>Said once on stderr when a console takes the terminal: Ctrl-C no longer stops minivmm.</summary>
    public const string StartHint = "minivmm: the console is on this terminal (raw mode: Ctrl-C goes to the guest). Ctrl-A X quits, Ctrl-A H lists the keys.\r\n";

    private bool _escaped;

    /// <summary>The byte to forward when <see cref="Process"/> returns <see cref="EscapeAction.Forward"/>.</summary>
    public byte Output { get; private set; }

    public EscapeAction Process(byte typed)
    {
        if (!_escaped)
        {
            if (typed == EscapeKey)
            {
                _escaped = true;
                return EscapeAction.Swallow;
            }
            Output = typed;
            return EscapeAction.Forward;
        }
        _escaped = false;
        switch (typed)
        {
            case EscapeKey:
                Output = EscapeKey;
                return EscapeAction.Forward;
            case (byte)'x' or (byte)'X':
                return EscapeAction.Quit;
            case (byte)'h' or (byte)'H' or (byte)'?':
                return EscapeAction.Help;
            default:
                return EscapeAction.Swallow;
        }
    }
}
