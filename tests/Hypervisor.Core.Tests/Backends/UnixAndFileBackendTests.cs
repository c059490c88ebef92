using Hypervisor.Abstractions;
using Hypervisor.Core.Backends;

namespace Hypervisor.Core.Tests.Backends;

public sealed class UnixAndFileBackendTests : IDisposable
{
    // Unix socket paths are limited to ~108 bytes: keep the folder short.
    private readonly string _folder = Directory.CreateDirectory(Path.Combine("/tmp", "mvb-" + Guid.NewGuid().ToString("n")[..8])).FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Unix_socket_carries_output_and_input_with_a_path_relative_to_the_machine_file()
    {
        using var backend = CharBackends.Open("unix:console.sock,nowait", _folder);
        using var client = SocketClient.Unix(Path.Combine(_folder, "console.sock"));

        backend.Write("out"u8);
        client.Send("in");

        Assert.Equal("out", client.ReceiveText(3));
        var got = new List<byte>();
        Assert.True(Eventually.True(() =>
        {
            while (backend.TryRead(out byte b))
                got.Add(b);
            return got.Count == 2;
        }));
        Assert.Equal("in"u8.ToArray(), got.ToArray());
    }

    [Fact]
    public void A_stale_unix_socket_file_is_replaced_and_removed_on_dispose()
    {
        string path = Path.Combine(_folder, "stale.sock");
        using (var first = CharBackends.Open($"unix:{path},nowait", "/")) { }
        File.WriteAllBytes(path, []); // what a VMM killed with SIGKILL would leave

        using (var second = CharBackends.Open($"unix:{path},nowait", "/"))
            Assert.True(File.Exists(path));

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void A_unix_path_that_is_a_regular_file_is_a_configuration_error()
    {
        string path = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(path, "keep me");

        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open($"unix:{path}", "/"));

        Assert.Contains("not a socket", e.Message);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public void A_unix_path_someone_listens_on_is_a_configuration_error()
    {
        string path = Path.Combine(_folder, "busy.sock");
        using var first = CharBackends.Open($"unix:{path},nowait", "/");

        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open($"unix:{path},nowait", "/"));

        Assert.Contains("another program is listening", e.Message);
    }

    [Fact]
    public void File_backend_writes_in_order_relative_to_the_machine_file()
    {
        using (var backend = CharBackends.Open("file:serial.log", _folder))
        {
            backend.Write("a"u8);
            backend.Write("bc"u8);
        }

        Assert.Equal("abc", File.ReadAllText(Path.Combine(_folder, "serial.log")));
    }

    [Fact]
    public void A_file_that_cannot_be_opened_is_a_configuration_error_naming_it()
    {
        var e = Assert.Throws<DeviceConfigurationException>(() => CharBackends.Open("file:missing/dir/out.log", _folder));

        Assert.Equal("backend", e.Option);
        Assert.Contains("missing/dir/out.log", e.Message);
    }

    [Fact]
    public void Null_discards_output_and_has_no_input()
    {
        using var backend = CharBackends.Open("null", _folder);
        backend.Write("gone"u8);

        Assert.False(backend.TryRead(out _));
    }
}

public sealed class FileBackendLineTests
{
    [Fact]
    public void A_complete_line_is_in_the_file_while_the_vm_runs()
    {
        string path = Path.GetTempFileName();
        try
        {
            using var backend = CharBackends.Open($"file:{path}", "/");
            backend.Write("booting"u8);
            backend.Write("...\n"u8);

            using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Assert.Equal("booting...\n", new StreamReader(reader).ReadToEnd());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
