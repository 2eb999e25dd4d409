using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Skiff.Images.Tests;

public sealed class OciArchiveWriterTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("skiff-oci-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task Archive_is_an_oci_layout_whose_digests_match_their_blobs()
    {
        var archive = Path.Combine(directory, "image.oci.tar");
        var digests = await OciArchiveWriter.WriteAsync(SampleRootfs(), SampleConfig(), "docker.io/library/sample:1", archive, CancellationToken.None);
        var files = await ReadTarAsync(File.OpenRead(archive));

        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", System.Text.Encoding.UTF8.GetString(files["oci-layout"]));
        var index = JsonNode.Parse(files["index.json"])!;
        var descriptor = index["manifests"]![0]!;
        Assert.Equal(digests.ManifestDigest, descriptor["digest"]!.GetValue<string>());
        Assert.Equal("docker.io/library/sample:1", descriptor["annotations"]!["io.containerd.image.name"]!.GetValue<string>());
        Assert.Equal("docker.io/library/sample:1", descriptor["annotations"]!["org.opencontainers.image.ref.name"]!.GetValue<string>());

        // Every blob is stored under the sha256 of its bytes.
        foreach (var (name, content) in files.Where(f => f.Key.StartsWith("blobs/sha256/", StringComparison.Ordinal)))
        {
            Assert.Equal(name["blobs/sha256/".Length..], Convert.ToHexStringLower(SHA256.HashData(content)));
        }

        var manifest = JsonNode.Parse(Blob(files, digests.ManifestDigest))!;
        Assert.Equal(OciArchiveWriter.ManifestMediaType, manifest["mediaType"]!.GetValue<string>());
        Assert.Equal(digests.ConfigDigest, manifest["config"]!["digest"]!.GetValue<string>());
        Assert.Equal(digests.LayerDigest, manifest["layers"]![0]!["digest"]!.GetValue<string>());
        Assert.Equal(OciArchiveWriter.LayerMediaType, manifest["layers"]![0]!["mediaType"]!.GetValue<string>());

        var config = JsonNode.Parse(Blob(files, digests.ConfigDigest))!;
        Assert.Equal("linux", config["os"]!.GetValue<string>());
        Assert.Equal("amd64", config["architecture"]!.GetValue<string>());
        Assert.Equal("SIGQUIT", config["config"]!["StopSignal"]!.GetValue<string>());
        Assert.Equal("/bin/app", config["config"]!["Entrypoint"]![0]!.GetValue<string>());
        Assert.NotNull(config["config"]!["ExposedPorts"]!["80/tcp"]);

        // diff_id is the digest of the uncompressed layer tar.
        using var gunzip = new GZipStream(new MemoryStream(Blob(files, digests.LayerDigest)), CompressionMode.Decompress);
        using var layerTar = new MemoryStream();
        await gunzip.CopyToAsync(layerTar);
        Assert.Equal(digests.DiffId, config["rootfs"]!["diff_ids"]![0]!.GetValue<string>());
        Assert.Equal(digests.DiffId, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layerTar.ToArray())));
    }

    [Fact]
    public async Task Layer_holds_sorted_root_owned_entries_with_parents_first()
    {
        var archive = Path.Combine(directory, "image.oci.tar");
        var digests = await OciArchiveWriter.WriteAsync(SampleRootfs(), SampleConfig(), "sample:1", archive, CancellationToken.None);
        var files = await ReadTarAsync(File.OpenRead(archive));
        var entries = new List<TarEntry>();
        var reader = new TarReader(new GZipStream(new MemoryStream(Blob(files, digests.LayerDigest)), CompressionMode.Decompress));
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            entries.Add(entry);
        }

        Assert.Equal(["bin/", "bin/app", "bin/sh", "etc/", "etc/motd", "tmp/"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(0, e.Uid));
        Assert.All(entries, e => Assert.Equal(OciArchiveWriter.EntryTime, e.ModificationTime));
        var link = entries.Single(e => e.Name == "bin/sh");
        Assert.Equal(TarEntryType.SymbolicLink, link.EntryType);
        Assert.Equal("/bin/app", link.LinkName);
        Assert.Equal((UnixFileMode)0b1_111_111_111, entries.Single(e => e.Name == "tmp/").Mode);
        Assert.Equal(Rootfs.ExecutableMode, entries.Single(e => e.Name == "bin/app").Mode);
    }

    [Fact]
    public async Task Same_input_gives_the_same_bytes()
    {
        var first = Path.Combine(directory, "a.oci.tar");
        var second = Path.Combine(directory, "b.oci.tar");
        var a = await OciArchiveWriter.WriteAsync(SampleRootfs(), SampleConfig(), "sample:1", first, CancellationToken.None);
        var b = await OciArchiveWriter.WriteAsync(SampleRootfs(), SampleConfig(), "sample:1", second, CancellationToken.None);
        Assert.Equal(a, b);
        Assert.Equal(await File.ReadAllBytesAsync(first), await File.ReadAllBytesAsync(second));
        Assert.Equal(a.ManifestDigest, await OciArchiveReader.ReadManifestDigestAsync(first, CancellationToken.None));
    }

    [Fact]
    public async Task A_different_file_changes_the_digests()
    {
        var a = await OciArchiveWriter.WriteAsync(SampleRootfs(), SampleConfig(), "sample:1", Path.Combine(directory, "a.oci.tar"), CancellationToken.None);
        var changed = SampleRootfs().File("etc/motd", "bye\n");
        var b = await OciArchiveWriter.WriteAsync(changed, SampleConfig(), "sample:1", Path.Combine(directory, "b.oci.tar"), CancellationToken.None);
        Assert.NotEqual(a.LayerDigest, b.LayerDigest);
        Assert.NotEqual(a.ManifestDigest, b.ManifestDigest);
    }

    [Fact]
    public async Task Reading_a_file_that_is_not_an_oci_archive_fails_clearly()
    {
        var path = Path.Combine(directory, "junk.tar");
        await File.WriteAllBytesAsync(path, new byte[1024]);
        await Assert.ThrowsAsync<InvalidDataException>(() => OciArchiveReader.ReadManifestDigestAsync(path, CancellationToken.None));
    }

    private static Rootfs SampleRootfs() => new Rootfs()
        .File("bin/app", "#!/bin/sh\necho hi\n", Rootfs.ExecutableMode)
        .Symlink("bin/sh", "/bin/app")
        .File("etc/motd", "hello\n")
        .Directory("tmp", (UnixFileMode)0b1_111_111_111);

    private static ImageConfig SampleConfig() => new() { Entrypoint = ["/bin/app"], ExposedPorts = ["80/tcp"], StopSignal = "SIGQUIT" };

    private static byte[] Blob(Dictionary<string, byte[]> files, string digest) => files["blobs/sha256/" + digest["sha256:".Length..]];

    private static async Task<Dictionary<string, byte[]>> ReadTarAsync(Stream stream)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (entry.DataStream is not null)
            {
                using var buffer = new MemoryStream();
                await entry.DataStream.CopyToAsync(buffer);
                files[entry.Name] = buffer.ToArray();
            }
        }

        return files;
    }
}
