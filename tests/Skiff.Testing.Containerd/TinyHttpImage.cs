using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Skiff.Testing.Containerd;

/// <summary>
/// The test's own image, built by no part of Skiff: a static C HTTP server (gcc -static) that answers every request
/// with a fixed body, packed into an OCI image archive by <see cref="OciImageArchive"/>.
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

        var archive = Path.Combine(workDirectory, "tiny-http.oci.tar");
        await OciImageArchive.WriteAsync(
            [OciLayerEntry.FromHost("server", binary)],
            new JsonObject { ["Entrypoint"] = new JsonArray("/server"), ["Cmd"] = new JsonArray("8080"), ["ExposedPorts"] = new JsonObject { ["8080/tcp"] = new JsonObject() } },
            reference,
            archive);
        return archive;
    }
}
