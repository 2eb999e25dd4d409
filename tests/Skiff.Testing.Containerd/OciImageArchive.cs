using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Testing.Containerd;

/// <summary>One entry of the single layer: a directory, or a file whose bytes come from the host or from memory.</summary>
public sealed record OciLayerEntry(string Path, UnixFileMode Mode, string? HostFile = null, byte[]? Content = null)
{
    public bool IsDirectory => HostFile is null && Content is null;

    public static OciLayerEntry Directory(string path, UnixFileMode mode = (UnixFileMode)0b111_101_101) => new(path, mode);

    public static OciLayerEntry FromHost(string path, string hostFile, UnixFileMode mode = (UnixFileMode)0b111_101_101) => new(path, mode, HostFile: hostFile);
}

/// <summary>
/// Tests' own OCI image archives, written by no part of Skiff: one gzip layer, the config, the manifest and an
/// index.json naming the reference in <c>org.opencontainers.image.ref.name</c>, as `skopeo copy oci-archive:` makes.
/// </summary>
public static class OciImageArchive
{
    /// <summary>Writes the archive for <paramref name="reference"/> to <paramref name="archivePath"/>.</summary>
    /// <param name="config">The image config's <c>config</c> object (Entrypoint, Cmd, Env...).</param>
    public static async Task WriteAsync(IReadOnlyList<OciLayerEntry> entries, JsonObject config, string reference, string archivePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var layout = System.IO.Directory.CreateDirectory(archivePath + ".layout").FullName;
        try
        {
            var blobs = System.IO.Directory.CreateDirectory(System.IO.Path.Combine(layout, "blobs", "sha256")).FullName;
            var (layer, diffId) = await WriteLayerAsync(entries, blobs, cancellationToken);
            var configBlob = await WriteBlobAsync(blobs, Encoding.UTF8.GetBytes(new JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["config"] = config,
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
            }.ToJsonString()), cancellationToken);
            var manifest = await WriteBlobAsync(blobs, Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configBlob),
                ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
            }.ToJsonString()), cancellationToken);
            var manifestDescriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
            manifestDescriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = reference };
            await File.WriteAllTextAsync(System.IO.Path.Combine(layout, "index.json"), new JsonObject
            {
                ["schemaVersion"] = 2,
                ["manifests"] = new JsonArray(manifestDescriptor),
            }.ToJsonString(), cancellationToken);
            await File.WriteAllTextAsync(System.IO.Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", cancellationToken);
            await TarFile.CreateFromDirectoryAsync(layout, archivePath, includeBaseDirectory: false, cancellationToken);
        }
        finally
        {
            System.IO.Directory.Delete(layout, recursive: true);
        }
    }

    /// <summary>Writes the gzip layer blob; returns its descriptor and the uncompressed tar's digest (the diff id).</summary>
    private static async Task<((string Digest, long Size) Blob, string DiffId)> WriteLayerAsync(IReadOnlyList<OciLayerEntry> entries, string blobs, CancellationToken cancellationToken)
    {
        var staging = System.IO.Path.Combine(blobs, "layer.tmp");
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var file = File.Create(staging))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        await using (var hashing = new HashingStream(gzip, tarHash))
        await using (var writer = new TarWriter(hashing, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                var tarEntry = new PaxTarEntry(entry.IsDirectory ? TarEntryType.Directory : TarEntryType.RegularFile, entry.Path.TrimStart('/'))
                {
                    Mode = entry.Mode,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                };
                await using Stream? data = entry.HostFile is { } host ? File.OpenRead(host) : entry.Content is { } bytes ? new MemoryStream(bytes) : null;
                if (data is not null)
                {
                    tarEntry.DataStream = data;
                }

                await writer.WriteEntryAsync(tarEntry, cancellationToken);
            }
        }

        var diffId = "sha256:" + Convert.ToHexStringLower(tarHash.GetHashAndReset());
        using var blobHash = SHA256.Create();
        byte[] digest;
        await using (var read = File.OpenRead(staging))
        {
            digest = await blobHash.ComputeHashAsync(read, cancellationToken);
        }

        var hex = Convert.ToHexStringLower(digest);
        var size = new FileInfo(staging).Length;
        File.Move(staging, System.IO.Path.Combine(blobs, hex));
        return (("sha256:" + hex, size), diffId);
    }

    private static JsonObject Descriptor(string mediaType, (string Digest, long Size) blob) =>
        new() { ["mediaType"] = mediaType, ["digest"] = blob.Digest, ["size"] = blob.Size };

    private static async Task<(string Digest, long Size)> WriteBlobAsync(string blobs, byte[] content, CancellationToken cancellationToken)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        await File.WriteAllBytesAsync(System.IO.Path.Combine(blobs, hex), content, cancellationToken);
        return ("sha256:" + hex, content.Length);
    }

    /// <summary>Passes writes through while hashing them: the diff id is the digest of the tar before gzip.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            hash.AppendData(buffer, offset, count);
            inner.Write(buffer, offset, count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
