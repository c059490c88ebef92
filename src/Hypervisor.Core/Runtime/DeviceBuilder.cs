using System.Reflection;
using System.Runtime.ExceptionServices;
using Hypervisor.Abstractions;
using Hypervisor.Core.Plugins;
using Microsoft.Extensions.Configuration;

namespace Hypervisor.Core.Runtime;

/// <summary>
/// The one way a device is built from an entry, shared by the machine (<see cref="MachineDevices"/>)
/// and the device test kit: the entry's options and windows are checked against what the type
/// declares, then the type's constructor runs with its <see cref="DeviceContext"/>.
/// </summary>
public static class DeviceBuilder
{
    /// <summary>
    /// What is wrong with <paramref name="options"/> for <paramref name="type"/>: keys it does not
    /// declare, and values given as objects or arrays (which a device would read as absent). Each
    /// problem names the option key.
    /// </summary>
    public static IEnumerable<(string Option, string Message)> OptionProblems(DeviceType type, IConfiguration options)
    {
        foreach (var option in options.GetChildren())
        {
            var declared = type.Options.FirstOrDefault(o => o.Name == option.Key);
            if (declared == null)
                yield return (option.Key, $"device type '{type.Name}' has no option '{option.Key}'" +
                    (type.Options.Count > 0 ? $" (it takes: {string.Join(", ", type.Options.Select(o => o.Name))})" : " (it takes none)"));
            else if (option.Value == null && option.GetChildren().Any() && !declared.IsObject)
                yield return (option.Key, $"expected a value (a string, number or boolean), not an object or array");
        }
    }

    /// <summary>Window names in an entry's <c>"windows"</c> that the type does not declare, or bases out of range.</summary>
    public static IEnumerable<(string Window, string Message)> WindowProblems(DeviceType type, IReadOnlyDictionary<string, ulong> windows)
    {
        foreach (var (name, address) in windows)
        {
            var declared = type.Windows.FirstOrDefault(w => w.Name == name);
            if (declared == null)
                yield return (name, $"device type '{type.Name}' has no window '{name}'" +
                    (type.Windows.Count > 0 ? $" (it has: {string.Join(", ", type.Windows.Select(w => w.Name))})" : " (it has none)"));
            else if (declared.IsPorts && address > ushort.MaxValue)
                yield return (name, $"0x{address:x} is not a port (at most 0xffff)");
        }
    }

    /// <summary>
    /// Runs <paramref name="type"/>'s constructor with <paramref name="context"/>. What the constructor
    /// throws is rethrown as it is (a <see cref="DeviceConfigurationException"/> for a bad option).
    /// </summary>
    public static IDevice Construct(DeviceType type, DeviceContext context)
    {
        var constructor = type.Constructor
            ?? throw new InvalidOperationException($"{type.ClrType.Name} needs a public constructor taking a DeviceContext");
        try
        {
            return (IDevice)constructor.Invoke([context]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw; // unreachable
        }
    }
}
