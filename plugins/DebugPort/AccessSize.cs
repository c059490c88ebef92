namespace MiniVmm.Devices.Debug;

/// <summary>Port access widths and their value masks.</summary>
internal static class AccessSize
{
    /// <summary>The bits an access of <paramref name="size"/> bytes carries.</summary>
    public static uint Mask(int size) => size >= 4 ? uint.MaxValue : (1u << (8 * size)) - 1;

    /// <summary>What an unclaimed or write-only port reads as: all ones, like an idle ISA bus.</summary>
    public static uint AllOnes(int size) => Mask(size);
}
