using System.Reflection;
using Hypervisor.Abstractions;
using Hypervisor.Core.Accel;
using Hypervisor.Core.Boot;
using Hypervisor.Core.Runtime;

namespace Hypervisor.Core.Snapshots;

/// <summary>
/// Writes a whole machine to a snapshot file and loads one back (<see cref="SnapshotFormat"/>):
/// the vCPUs, every device through its <see cref="IDeviceState"/>, the clock and RAM. <see cref="Save"/>
/// runs while every vCPU is parked (<see cref="VcpuPause"/>); <see cref="Restore"/> on a machine
/// just built from the same machine file, before it runs. Everything that would make a snapshot
/// incomplete is found before the file is written, and the file appears only once complete.
/// </summary>
public static class MachineSnapshot
{
    /// <summary>Why this machine cannot be snapshotted (a device or vCPU without saved state, a firmware machine), or null.</summary>
    public static string? Problem(Vmm vmm)
    {
        if (vmm.Config.Irqchip == Machine.IrqchipMode.Kernel && vmm.VmState == null)
            return "machines with \"irqchip\": \"kernel\" cannot be snapshotted on this accelerator: its VM does not save the in-kernel PIC, IOAPIC and PIT";
        if (vmm.Vcpus.FirstOrDefault(l => l.Vcpu is not IVcpuState) is { } vcpu)
            return $"vcpu{vcpu.Vcpu.Id} cannot save its state (this accelerator's vCPUs do not implement it)";
        var stateless = vmm.Devices.Devices.Where(d => d.Device is not IDeviceState).ToList();
        if (stateless.Count > 0)
            return "these devices cannot save their state: " + string.Join(", ", stateless.Select(d => $"'{d.Config.Name}' ({d.Type.Name}, plugin {d.Type.PluginName})"));
        return null;
    }

    /// <summary>Writes the machine to <paramref name="path"/> (replaced); call with every vCPU parked. Throws <see cref="SnapshotException"/>.</summary>
    public static void Save(Vmm vmm, string path)
    {
        if (Problem(vmm) is { } problem)
            throw new SnapshotException(problem);
        string full = Path.GetFullPath(path);
        string temporary = full + ".partial";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            using (var writer = new BinaryWriter(file))
                Write(writer, vmm);
            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new SnapshotException($"cannot write snapshot '{path}': {e.Message}");
        }
    }

    private static void Write(BinaryWriter writer, Vmm vmm)
    {
        writer.Write(SnapshotFormat.Magic);
        writer.Write(SnapshotFormat.Version);
        writer.Write(vmm.Config.Name);
        writer.Write(vmm.Config.FilePath);
        writer.Write(MachineIdentity.Of(vmm.Config));
        writer.Write(vmm.Config.Clock.ToString());
        writer.Write(vmm.Clock.NowNanoseconds);
        writer.Write((uint)vmm.Vcpus.Count);
        foreach (var loop in vmm.Vcpus)
        {
            var state = (IVcpuState)loop.Vcpu;
            writer.Write(loop.Vcpu.Id);
            writer.Write(loop.Halted);
            writer.Write(state.StateVersion);
            try
            {
                WriteBlock(writer, state.SaveState);
            }
            catch (Exception e) when (e is not IOException)
            {
                throw new SnapshotException($"vcpu{loop.Vcpu.Id} cannot be saved now: {e.Message}");
            }
        }
        if (vmm.VmState is { } vm)
        {
            // Only machines with the in-kernel irqchip (part of the machine's identity) have this block.
            writer.Write(vm.StateVersion);
            try
            {
                WriteBlock(writer, vm.SaveState);
            }
            catch (Exception e) when (e is not IOException)
            {
                throw new SnapshotException($"the VM's in-kernel irqchip cannot be saved: {e.Message}");
            }
        }
        writer.Write((uint)vmm.Devices.Devices.Count);
        foreach (var device in vmm.Devices.Devices)
        {
            var state = (IDeviceState)device.Device;
            writer.Write(device.Config.Name);
            writer.Write(device.Type.Name);
            writer.Write(device.Type.PluginName);
            writer.Write(PluginVersion(device.Type.ClrType));
            writer.Write(state.StateVersion);
            try
            {
                WriteBlock(writer, state.SaveState);
            }
            catch (Exception e) when (e is not IOException)
            {
                throw new SnapshotException($"device '{device.Config.Name}' ({device.Type.Name}) failed to save its state: {e.GetType().Name}: {e.Message}");
            }
        }
        RamImage.Write(writer, vmm.Memory);
        writer.Write(SnapshotFormat.Trailer);
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="vmm"/>, built from the same machine file and not yet run. Throws <see cref="SnapshotException"/>.</summary>
    public static void Restore(Vmm vmm, string path)
    {
        if (Problem(vmm) is { } problem)
            throw new SnapshotException(problem);
        FileStream file;
        try
        {
            file = File.OpenRead(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnapshotException($"cannot read snapshot '{path}': {e.Message}");
        }
        using (file)
        using (var reader = new BinaryReader(new BufferedStream(file, 1 << 16)))
        {
            try
            {
                Read(reader, vmm);
            }
            catch (EndOfStreamException)
            {
                throw new SnapshotException($"snapshot '{path}' is truncated ({file.Length} bytes): it ends before its trailer");
            }
            catch (StateFormatException e)
            {
                throw new SnapshotException($"snapshot '{path}': {e.Message}");
            }
        }
    }

    private static void Read(BinaryReader reader, Vmm vmm)
    {
        Span<byte> magic = stackalloc byte[SnapshotFormat.Magic.Length];
        if (reader.BaseStream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) < magic.Length || !magic.SequenceEqual(SnapshotFormat.Magic))
            throw new SnapshotException("not a minivmm snapshot (no MINIVMM header)");
        uint version = reader.ReadUInt32();
        if (version != SnapshotFormat.Version)
            throw new SnapshotException($"snapshot format version {version}; this minivmm reads version {SnapshotFormat.Version}");
        string name = reader.ReadString(), file = reader.ReadString(), identity = reader.ReadString();
        if (identity != MachineIdentity.Of(vmm.Config))
            throw new SnapshotException($"the snapshot is of another machine: '{name}' ({file}), whose devices, RAM or options differ from '{vmm.Config.Name}' ({vmm.Config.FilePath})");
        _ = reader.ReadString(); // the clock mode, for people reading the file: the identity covers it
        long now = reader.ReadInt64();

        uint vcpus = reader.ReadUInt32();
        if (vcpus != vmm.Vcpus.Count)
            throw new SnapshotException($"the snapshot has {vcpus} vCPUs, this machine {vmm.Vcpus.Count}");
        foreach (var loop in vmm.Vcpus)
        {
            int id = reader.ReadInt32();
            loop.StartHalted = reader.ReadBoolean();
            int stateVersion = reader.ReadInt32();
            var state = ReadBlock(reader, $"vcpu{id}");
            try
            {
                ((IVcpuState)loop.Vcpu).LoadState(state, stateVersion);
            }
            catch (Exception e) when (e is not (StateFormatException or IOException))
            {
                throw new SnapshotException($"vcpu{id} cannot load its saved state: {e.Message}");
            }
        }
        vmm.Clock.ContinueFrom(now); // after the vCPUs: deterministic time counts their instructions
        if (vmm.VmState is { } vm)
        {
            int stateVersion = reader.ReadInt32();
            var state = ReadBlock(reader, "the VM's in-kernel irqchip");
            try
            {
                vm.LoadState(state, stateVersion);
            }
            catch (Exception e) when (e is not (StateFormatException or IOException))
            {
                throw new SnapshotException($"the VM's in-kernel irqchip cannot load its saved state: {e.Message}");
            }
        }

        uint devices = reader.ReadUInt32();
        if (devices != vmm.Devices.Devices.Count)
            throw new SnapshotException($"the snapshot has {devices} devices, this machine {vmm.Devices.Devices.Count}");
        foreach (var device in vmm.Devices.Devices)
        {
            string entry = reader.ReadString(), type = reader.ReadString(), plugin = reader.ReadString(), pluginVersion = reader.ReadString();
            int stateVersion = reader.ReadInt32();
            if (entry != device.Config.Name || type != device.Type.Name)
                throw new SnapshotException($"the snapshot's device '{entry}' ({type}) is '{device.Config.Name}' ({device.Type.Name}) in this machine");
            string ours = PluginVersion(device.Type.ClrType);
            if (pluginVersion != ours)
                throw new SnapshotException($"device '{entry}' ({type}) was saved by plugin {plugin} {pluginVersion}; this machine loads {device.Type.PluginName} {ours}");
            var state = ReadBlock(reader, $"device '{entry}'");
            try
            {
                ((IDeviceState)device.Device).LoadState(state, stateVersion);
            }
            catch (Exception e) when (e is StateFormatException or InvalidOperationException or ArgumentException)
            {
                throw new SnapshotException($"device '{entry}' ({type}) cannot load its saved state (version {stateVersion}): {e.Message}");
            }
            if (state.Remaining != 0)
                throw new SnapshotException($"device '{entry}' ({type}) left {state.Remaining} bytes of its saved state unread (version {stateVersion}): another layout");
        }
        RamImage.Read(reader, vmm.Memory);
        Span<byte> trailer = stackalloc byte[SnapshotFormat.Trailer.Length];
        reader.BaseStream.ReadExactly(trailer);
        if (!trailer.SequenceEqual(SnapshotFormat.Trailer))
            throw new SnapshotException("the snapshot's trailer is damaged");
    }

    /// <summary>A plugin's version as its assembly states it (informational version, else assembly version).</summary>
    public static string PluginVersion(Type type)
    {
        var assembly = type.Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0";
    }

    private static void WriteBlock(BinaryWriter writer, Action<IStateWriter> save)
    {
        var state = new StateWriter();
        save(state);
        byte[] bytes = state.ToArray();
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static StateReader ReadBlock(BinaryReader reader, string owner)
    {
        int length = reader.ReadInt32();
        if (length < 0)
            throw new SnapshotException($"the saved state of {owner} has a negative length");
        byte[] bytes = reader.ReadBytes(length);
        if (bytes.Length != length)
            throw new EndOfStreamException();
        return new StateReader(bytes);
    }
}
