using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Images;

/// <summary>
/// Writes a single-layer image as an OCI image layout packed in a tar (what <c>ctr images import</c> reads).
/// Deterministic: the same rootfs and config give the same bytes and digests (sorted entries, root ownership,
/// one fixed timestamp, gzip without a name or time).
/// </summary>
public static class OciArchiveWriter
{
    /// <summary>Timestamp of every entry in layers and archives (2024-01-01T00:00:00Z).</summary>
    public static readonly DateTimeOffset EntryTime = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    public const string ConfigMediaType = "application/vnd.oci.image.config.v1+json";
    public const string LayerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string IndexMediaType = "application/vnd.oci.image.index.v1+json";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    /// <summary>Writes the archive for <paramref name="reference"/> to <paramref name="archivePath"/> and returns its digests.</summary>
    public static async Task<OciImageDigests> WriteAsync(Rootfs rootfs, ImageConfig config, string reference, string archivePath, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rootfs);
        ArgumentNullException.ThrowIfNull(config);
        var directory = Path.GetDirectoryName(Path.GetFullPath(archivePath))!;
        Directory.CreateDirectory(directory);
        var layerPath = archivePath + ".layer.tmp";
        var partialPath = archivePath + ".tmp";
        try
        {
            var layer = await WriteLayerAsync(rootfs, layerPath, cancellationToken).ConfigureAwait(false);
            var configBlob = JsonSerializer.SerializeToUtf8Bytes(ConfigJson(config, layer.DiffId), Compact);
            var configDigest = Digest(configBlob);
            var manifestBlob = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = ManifestMediaType,
                ["config"] = Descriptor(ConfigMediaType, configDigest, configBlob.Length),
                ["layers"] = new JsonArray { Descriptor(LayerMediaType, layer.Digest, layer.Size) },
            }, Compact);
            var manifestDigest = Digest(manifestBlob);
            var manifestDescriptor = Descriptor(ManifestMediaType, manifestDigest, manifestBlob.Length);
            manifestDescriptor["annotations"] = new JsonObject
            {
                ["io.containerd.image.name"] = reference,
                ["org.opencontainers.image.ref.name"] = reference,
            };
            var indexBlob = JsonSerializer.SerializeToUtf8Bytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = IndexMediaType,
                ["manifests"] = new JsonArray { manifestDescriptor },
            }, Compact);

            var archive = new FileStream(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            await using (archive.ConfigureAwait(false))
            {
                var tar = new TarWriter(archive, TarEntryFormat.Gnu, leaveOpen: true);
                await using (tar.ConfigureAwait(false))
                {
                    await WriteDirectoryAsync(tar, "blobs/", cancellationToken).ConfigureAwait(false);
                    await WriteDirectoryAsync(tar, "blobs/sha256/", cancellationToken).ConfigureAwait(false);
                    await WriteBytesAsync(tar, "blobs/sha256/" + Hex(configDigest), configBlob, cancellationToken).ConfigureAwait(false);
                    var layerStream = File.OpenRead(layerPath);
                    await using (layerStream.ConfigureAwait(false))
                    {
                        await WriteStreamAsync(tar, "blobs/sha256/" + Hex(layer.Digest), layerStream, Rootfs.FileMode, cancellationToken).ConfigureAwait(false);
                    }

                    await WriteBytesAsync(tar, "blobs/sha256/" + Hex(manifestDigest), manifestBlob, cancellationToken).ConfigureAwait(false);
                    await WriteBytesAsync(tar, "index.json", indexBlob, cancellationToken).ConfigureAwait(false);
                    await WriteBytesAsync(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray(), cancellationToken).ConfigureAwait(false);
                }
            }

            File.Move(partialPath, archivePath, overwrite: true);
            return new OciImageDigests(reference, manifestDigest, configDigest, layer.Digest, layer.DiffId, layer.Size);
        }
        finally
        {
            File.Delete(layerPath);
            File.Delete(partialPath);
        }
    }

    /// <summary>Writes the layer tar.gz; returns the digest of the compressed blob and the diff id of the tar.</summary>
    internal static async Task<(string Digest, string DiffId, long Size)> WriteLayerAsync(Rootfs rootfs, string path, CancellationToken cancellationToken)
    {
        using var compressedHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var tarHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        long size;
        await using (file.ConfigureAwait(false))
        {
            var compressedTap = new HashingWriteStream(file, compressedHash);
            await using (compressedTap.ConfigureAwait(false))
            {
                var gzip = new GZipStream(compressedTap, CompressionLevel.Optimal, leaveOpen: true);
                await using (gzip.ConfigureAwait(false))
                {
                    var tarTap = new HashingWriteStream(gzip, tarHash);
                    await using (tarTap.ConfigureAwait(false))
                    {
                        var tar = new TarWriter(tarTap, TarEntryFormat.Gnu, leaveOpen: true);
                        await using (tar.ConfigureAwait(false))
                        {
                            foreach (var entry in rootfs.Entries)
                            {
                                await WriteEntryAsync(tar, entry, cancellationToken).ConfigureAwait(false);
                            }
                        }
                    }
                }
            }

            size = file.Length;
        }

        return ("sha256:" + Convert.ToHexStringLower(compressedHash.GetHashAndReset()),
            "sha256:" + Convert.ToHexStringLower(tarHash.GetHashAndReset()),
            size);
    }

    private static async Task WriteEntryAsync(TarWriter tar, RootfsEntry entry, CancellationToken cancellationToken)
    {
        switch (entry.Kind)
        {
            case RootfsEntryKind.Directory:
                await tar.WriteEntryAsync(NewEntry(TarEntryType.Directory, entry.Path + "/", entry.Mode, entry.Uid, entry.Gid), cancellationToken).ConfigureAwait(false);
                break;
            case RootfsEntryKind.Symlink:
                var link = NewEntry(TarEntryType.SymbolicLink, entry.Path, entry.Mode, entry.Uid, entry.Gid);
                link.LinkName = entry.LinkTarget!;
                await tar.WriteEntryAsync(link, cancellationToken).ConfigureAwait(false);
                break;
            case RootfsEntryKind.File when entry.Content is not null:
                await WriteBytesAsync(tar, entry.Path, entry.Content, cancellationToken, entry.Mode).ConfigureAwait(false);
                break;
            case RootfsEntryKind.File:
                var source = File.OpenRead(entry.HostPath!);
                await using (source.ConfigureAwait(false))
                {
                    await WriteStreamAsync(tar, entry.Path, source, entry.Mode, cancellationToken).ConfigureAwait(false);
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown entry kind {entry.Kind}.");
        }
    }

    private static GnuTarEntry NewEntry(TarEntryType type, string name, UnixFileMode mode, int uid = 0, int gid = 0) => new(type, name)
    {
        Mode = mode,
        Uid = uid,
        Gid = gid,
        UserName = string.Empty,
        GroupName = string.Empty,
        ModificationTime = EntryTime,
        AccessTime = EntryTime,
        ChangeTime = EntryTime,
    };

    private static Task WriteDirectoryAsync(TarWriter tar, string name, CancellationToken cancellationToken) =>
        tar.WriteEntryAsync(NewEntry(TarEntryType.Directory, name, Rootfs.DirectoryMode), cancellationToken);

    private static async Task WriteBytesAsync(TarWriter tar, string name, byte[] content, CancellationToken cancellationToken, UnixFileMode mode = Rootfs.FileMode)
    {
        using var stream = new MemoryStream(content, writable: false);
        await WriteStreamAsync(tar, name, stream, mode, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteStreamAsync(TarWriter tar, string name, Stream content, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var entry = NewEntry(TarEntryType.RegularFile, name, mode);
        entry.DataStream = content;
        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    private static JsonObject ConfigJson(ImageConfig config, string diffId)
    {
        var runtime = new JsonObject();
        if (config.User is not null)
        {
            runtime["User"] = config.User;
        }

        if (config.ExposedPorts.Count > 0)
        {
            var ports = new JsonObject();
            foreach (var port in config.ExposedPorts)
            {
                ports[port] = new JsonObject();
            }

            runtime["ExposedPorts"] = ports;
        }

        runtime["Env"] = new JsonArray([.. config.Env.Select(e => JsonValue.Create(e))]);
        if (config.Entrypoint is not null)
        {
            runtime["Entrypoint"] = new JsonArray([.. config.Entrypoint.Select(e => JsonValue.Create(e))]);
        }

        if (config.Cmd is not null)
        {
            runtime["Cmd"] = new JsonArray([.. config.Cmd.Select(e => JsonValue.Create(e))]);
        }

        if (config.WorkingDir is not null)
        {
            runtime["WorkingDir"] = config.WorkingDir;
        }

        if (config.StopSignal is not null)
        {
            runtime["StopSignal"] = config.StopSignal;
        }

        return new JsonObject
        {
            ["created"] = EntryTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = runtime,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
        };
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) => new()
    {
        ["mediaType"] = mediaType,
        ["digest"] = digest,
        ["size"] = size,
    };

    private static string Digest(byte[] blob) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob));

    private static string Hex(string digest) => digest["sha256:".Length..];
}

/// <summary>Digests of a written image; <see cref="ManifestDigest"/> is what <c>ctr images ls</c> shows.</summary>
public sealed record OciImageDigests(string Reference, string ManifestDigest, string ConfigDigest, string LayerDigest, string DiffId, long LayerSize);
