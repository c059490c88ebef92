using Hypervisor.Core.Backends;

namespace Hypervisor.Core.Tests.Backends;

public sealed class EscapeFilterTests
{
    private static (List<byte> Forwarded, List<EscapeAction> Actions) Type(params byte[] keys)
    {
        var filter = new EscapeFilter();
        var forwarded = new List<byte>();
        var actions = new List<EscapeAction>();
        foreach (byte key in keys)
        {
            var action = filter.Process(key);
            actions.Add(action);
            if (action == EscapeAction.Forward)
                forwarded.Add(filter.Output);
        }
        return (forwarded, actions);
    }

    [Fact]
    public void Ordinary_keys_pass_through_including_ctrl_c()
    {
        var (forwarded, _) = Type((byte)'l', (byte)'s', 0x03, (byte)'\r');

        Assert.Equal(new byte[] { (byte)'l', (byte)'s', 0x03, (byte)'\r' }, forwarded);
    }

    [Fact]
    public void Ctrl_a_x_quits_and_sends_nothing()
    {
        var (forwarded, actions) = Type(0x01, (byte)'x');

        Assert.Empty(forwarded);
        Assert.Equal(EscapeAction.Quit, actions[^1]);
    }

    [Fact]
    public void Ctrl_a_ctrl_a_sends_one_ctrl_a()
    {
        var (forwarded, _) = Type(0x01, 0x01, (byte)'b');

        Assert.Equal(new byte[] { 0x01, (byte)'b' }, forwarded);
    }

    [Fact]
    public void Ctrl_a_h_asks_for_help()
    {
        var (_, actions) = Type(0x01, (byte)'h');

        Assert.Equal(EscapeAction.Help, actions[^1]);
    }

    [Fact]
    public void An_unknown_escape_is_swallowed_and_the_next_key_is_ordinary()
    {
        var (forwarded, _) = Type(0x01, (byte)'q', (byte)'x');

        Assert.Equal(new byte[] { (byte)'x' }, forwarded);
    }
}

public sealed class TerminalModeTests
{
    [Fact]
    public void Restore_without_raw_mode_is_harmless_and_repeatable()
    {
        TerminalMode.Restore();
        TerminalMode.Restore();

        Assert.False(TerminalMode.IsRaw);
    }

    [Fact]
    public void Raw_mode_is_not_entered_when_stdin_is_not_a_terminal()
    {
        if (TerminalMode.StdinIsTerminal)
            return; // run interactively: nothing to check here

        Assert.False(TerminalMode.TryEnterRaw());
        Assert.False(TerminalMode.IsRaw);
    }
}
