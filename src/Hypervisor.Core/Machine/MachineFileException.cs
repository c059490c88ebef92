namespace Hypervisor.Core.Machine;

/// <summary>A machine file that cannot run, with one message per problem, each naming its JSON path.</summary>
public sealed class MachineFileException(string filePath, IReadOnlyList<string> problems)
    : Exception($"{filePath}: {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems))
{
    public string FilePath { get; } = filePath;
    public IReadOnlyList<string> Problems { get; } = problems;
}
