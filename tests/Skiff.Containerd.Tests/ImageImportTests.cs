using System.Diagnostics;
using System.IO.Compression;
using Skiff.Cri.V1;
using Skiff.Images;
using Skiff.Testing.Containerd;

namespace Skiff.Containerd.Tests;

/// <summary>
/// Issue 16: the test's own image (a static C HTTP server packed by the test, <see cref="TinyHttpImage"/>) imported
/// into the real containerd from the air-gap folder in every supported form (gzip OCI archive, OCI layout directory,
/// docker save archive made by skopeo), seen by CRI under the normalised reference, run as a pod, then removed.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class ImageImportTests(RuntimeFixture fixture) : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("skiff-import-").FullName;

    public void Dispose() => Directory.Delete(work, recursive: true);

    [SkippableFact]
    public async Task Air_gap_folder_imports_gzip_oci_layout_and_docker_archives_that_cri_runs()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var archive = await TinyHttpImage.BuildArchiveAsync(work, $"docker.io/skiff-test/tiny-http:{tag}-gz");
        var folder = Directory.CreateDirectory(Path.Combine(work, "agent", "images")).FullName;

        // gzip-compressed OCI archive.
        await using (var source = File.OpenRead(archive))
        await using (var target = File.Create(Path.Combine(folder, "a-tiny.tar.gz")))
        await using (var gzip = new GZipStream(target, CompressionLevel.Fastest))
        {
            await source.CopyToAsync(gzip);
        }

        // OCI layout directory and docker save archive of the same image under other names, made with skopeo.
        await RunAsync("skopeo", ["copy", "--quiet", $"oci-archive:{archive}", $"oci:{Path.Combine(folder, "b-layout")}:docker.io/skiff-test/tiny-http:{tag}-layout"]);
        await RunAsync("skopeo", ["copy", "--quiet", $"oci-archive:{archive}", $"docker-archive:{Path.Combine(folder, "c-docker.tar")}:skiff-test/tiny-http:{tag}-docker"]);
        await File.WriteAllTextAsync(Path.Combine(folder, "d-broken.tar"), "not an archive");

        var store = new ContainerdImageStore("ctr", fixture.Containerd.SocketPath, WellKnownImages.CriNamespace);
        var lines = new List<string>();
        var imported = await AirGapImages.ImportAllAsync(folder, new ImageImporter(store, TimeProvider.System), new ListProgress(lines), CancellationToken.None);

        string[] expected = [$"docker.io/skiff-test/tiny-http:{tag}-gz", $"docker.io/skiff-test/tiny-http:{tag}-layout", $"docker.io/skiff-test/tiny-http:{tag}-docker"];
        Assert.Equal(expected, imported);
        Assert.Contains(lines, line => line.StartsWith("d-broken.tar: not imported:", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("a-tiny.tar.gz: importing a gzip-compressed archive", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("a-tiny.tar.gz: ", StringComparison.Ordinal) && line.Contains("MB read (100%)", StringComparison.Ordinal));

        // CRI sees the images by the short name a pod spec uses.
        foreach (var reference in expected)
        {
            var status = await fixture.Containerd.Cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = reference } });
            Assert.NotNull(status.Image);
        }

        var pod = await RawCriPod.RunAsync(fixture.Containerd.Cri, "tiny-" + tag, $"skiff-test/tiny-http:{tag}-docker", null, fixture.LogRoot, CancellationToken.None);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = await GetWhenUpAsync(http, new Uri($"http://{pod.PodIp}:8080/"));
            Assert.Equal(TinyHttpImage.Body + "\n", body);
        }
        finally
        {
            await pod.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }

        // Removing by the short name removes every reference to that image, as crictl rmi.
        var removed = await ImageRemoval.RemoveAsync(store, $"skiff-test/tiny-http:{tag}-gz", CancellationToken.None);
        Assert.Contains($"docker.io/skiff-test/tiny-http:{tag}-gz", removed);
        Assert.Contains($"docker.io/skiff-test/tiny-http:{tag}-layout", removed);
        Assert.DoesNotContain(removed, r => r.Contains("library/nginx", StringComparison.Ordinal));
        Assert.Empty(await ImageRemoval.RemoveAsync(store, $"skiff-test/tiny-http:{tag}-gz", CancellationToken.None));
        // skopeo rewrote the docker archive's manifest (docker media types): another image, removed on its own.
        Assert.DoesNotContain($"docker.io/skiff-test/tiny-http:{tag}-docker", removed);
        Assert.Contains($"docker.io/skiff-test/tiny-http:{tag}-docker", await ImageRemoval.RemoveAsync(store, $"skiff-test/tiny-http:{tag}-docker", CancellationToken.None));
        var left = await store.ListAsync(CancellationToken.None);
        Assert.DoesNotContain(left.Keys, k => k.Contains(tag, StringComparison.Ordinal));
        Assert.Contains(WellKnownImages.Nginx, left.Keys);
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)}: {await stderr}{await stdout}");
    }

    private static async Task<string> GetWhenUpAsync(HttpClient http, Uri url)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(url);
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private sealed class ListProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines)
            {
                lines.Add(value);
            }
        }
    }
}
