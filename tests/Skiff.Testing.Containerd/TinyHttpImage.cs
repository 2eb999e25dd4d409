using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Testing.Containerd;

/// <summary>
/// The test's own image, built by no part of Skiff: a static C HTTP server (gcc -static) that answers every request
/// with a fixed body, packed here into an OCI image archive (one gzip layer, config, manifest, index.json with the
/// reference in <c>org.opencontainers.image.ref.name</c>).
/// </summary>
public static class TinyHttpImage
{
    public const string Body = "hello from the tiny image";

    private const string Source = """
        #include <netinet/in.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/socket.h>
        #include <unistd.h>

        int main(int argc, char **argv)
        {
            int port = argc > 1 ? atoi(argv[1]) : 8080;
            const char *body = "hello from the tiny image\n";
            int server = socket(AF_INET, SOCK_STREAM, 0);
            int one = 1;
            setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            struct sockaddr_in address = {0};
            address.sin_family = AF_INET;
            address.sin_port = htons(port);
            if (bind(server, (struct sockaddr *)&address, sizeof address) != 0 || listen(server, 16) != 0) {
                perror("listen");
                return 1;
            }
            printf("listening on %d\n", port);
            fflush(stdout);
            for (;;) {
                int client = accept(server, NULL, NULL);
                if (client < 0) {
                    continue;
                }
                char request[4096];
                read(client, request, sizeof request);
                char response[512];
                int length = snprintf(response, sizeof response,
                    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s", strlen(body), body);
                write(client, response, length);
                close(client);
            }
        }

        """;

    /// <summary>Compiles the server and writes the OCI archive for <paramref name="reference"/>; returns its path.</summary>
    public static async Task<string> BuildArchiveAsync(string workDirectory, string reference)
    {
        var source = Path.Combine(workDirectory, "tiny-http.c");
        var binary = Path.Combine(workDirectory, "tiny-http");
        await File.WriteAllTextAsync(source, Source);
        using (var gcc = Process.Start(new ProcessStartInfo("gcc", ["-Os", "-static", "-s", "-o", binary, source]) { RedirectStandardError = true })!)
        {
            var errors = await gcc.StandardError.ReadToEndAsync();
            await gcc.WaitForExitAsync();
            if (gcc.ExitCode != 0)
            {
                throw new InvalidOperationException("gcc -static failed (apt-get install gcc libc6-dev): " + errors);
            }
        }

        var layout = Directory.CreateDirectory(Path.Combine(workDirectory, "layout")).FullName;
        var blobs = Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256")).FullName;

        using var layerTar = new MemoryStream();
        await using (var writer = new TarWriter(layerTar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "server")
            {
                Mode = (UnixFileMode)0b111_101_101,
                ModificationTime = DateTimeOffset.UnixEpoch,
                DataStream = new MemoryStream(await File.ReadAllBytesAsync(binary)),
            };
            await writer.WriteEntryAsync(entry);
        }

        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layerTar.ToArray()));
        using var layerGz = new MemoryStream();
        await using (var gzip = new GZipStream(layerGz, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(layerTar.ToArray());
        }

        var layer = await WriteBlobAsync(blobs, layerGz.ToArray());
        var config = await WriteBlobAsync(blobs, Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["config"] = new JsonObject { ["Entrypoint"] = new JsonArray("/server"), ["Cmd"] = new JsonArray("8080"), ["ExposedPorts"] = new JsonObject { ["8080/tcp"] = new JsonObject() } },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffId) },
        }.ToJsonString()));
        var manifest = await WriteBlobAsync(blobs, Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer)),
        }.ToJsonString()));
        var manifestDescriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
        manifestDescriptor["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = reference };
        await File.WriteAllTextAsync(Path.Combine(layout, "index.json"), new JsonObject
        {
            ["schemaVersion"] = 2,
            ["manifests"] = new JsonArray(manifestDescriptor),
        }.ToJsonString());
        await File.WriteAllTextAsync(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");

        var archive = Path.Combine(workDirectory, "tiny-http.oci.tar");
        await TarFile.CreateFromDirectoryAsync(layout, archive, includeBaseDirectory: false);
        return archive;
    }

    private static JsonObject Descriptor(string mediaType, (string Digest, long Size) blob) =>
        new() { ["mediaType"] = mediaType, ["digest"] = blob.Digest, ["size"] = blob.Size };

    private static async Task<(string Digest, long Size)> WriteBlobAsync(string blobs, byte[] content)
    {
        var hex = Convert.ToHexStringLower(SHA256.HashData(content));
        await File.WriteAllBytesAsync(Path.Combine(blobs, hex), content);
        return ("sha256:" + hex, content.Length);
    }
}
