namespace MiniVmm.Tests;

/// <summary>A temporary folder for a test's machine files and outputs.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("minivmm-e2e-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string text)
    {
        System.IO.File.WriteAllText(File(name), text);
        return File(name);
    }

    public string Write(string name, byte[] bytes)
    {
        System.IO.File.WriteAllBytes(File(name), bytes);
        return File(name);
    }

    /// <summary>A real-mode machine: 64 KiB of RAM at 0, <paramref name="code"/> loaded at 0x1000, plus <paramref name="devices"/> (JSON).</summary>
    public string RealModeMachine(byte[] code, string devices = "", string extra = "")
    {
        Write("guest.bin", code);
        return Write("machine.json", $$"""
            { "accelerator": "soft",
              "memory": [ { "base": "0x0", "size": "64KiB" } ],
              "boot": { "image": "guest.bin", "loadAddress": "0x1000", "entry": { "cs": 0, "rip": "0x1000", "rsp": "0xfff0" } },
              "devices": [ {{devices}} ] {{extra}} }
            """);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
