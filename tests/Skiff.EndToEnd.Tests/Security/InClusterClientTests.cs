using System.Text.Json.Nodes;
using Skiff.Testing.Containerd;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// In-cluster software as users run it: a program on the official C# client (<c>tests/Skiff.InClusterClient</c>),
/// published self-contained and packed into the test's own image, runs in a pod under a ServiceAccount.
/// <c>KubernetesClientConfiguration.InClusterConfig()</c> finds the API through <c>KUBERNETES_SERVICE_HOST</c> (the
/// <c>kubernetes</c> Service's cluster IP, through the node's service proxy), verifies the serving certificate against
/// the mounted <c>ca.crt</c> and authenticates with the projected token: it can do what its RoleBinding grants and
/// gets 403 for the rest.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InClusterClientTests(SkiffCluster cluster)
{
    private const string Namespace = "in-cluster-client";

    [SkippableFact]
    public async Task The_official_client_in_a_pod_works_with_its_service_accounts_rights()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var image = $"docker.io/skiff-test/in-cluster-client:{tag}";
        var work = Directory.CreateTempSubdirectory("skiff-e2e-incluster-").FullName;
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            var archive = await BuildImageAsync(work, image);
            await RunAsync("dotnet", [RepositoryPaths.SkiffDll, "images", "import", "--data-dir", cluster.DataDirectory, archive], TimeSpan.FromMinutes(3));

            await KubectlAsync(["create", "serviceaccount", "robot", "-n", Namespace]);
            await KubectlAsync(["create", "rolebinding", "robot-edits", "-n", Namespace, "--clusterrole=edit", $"--serviceaccount={Namespace}:robot"]);
            await KubectlAsync(["run", "client", "-n", Namespace, $"--image={image}", "--image-pull-policy=Never", "--restart=Never",
                "--overrides", """{"spec":{"serviceAccountName":"robot"}}""", "--", "written-in-cluster"]);

            var output = await LogsWhenDoneAsync("client");
            var kubernetes = (await KubectlAsync(["get", "svc", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}"])).Stdout;
            Assert.Contains($"host https://{kubernetes}:443", output, StringComparison.Ordinal);
            Assert.Contains($"user system:serviceaccount:{Namespace}:robot\n", output, StringComparison.Ordinal);
            Assert.Contains("pods client\n", output, StringComparison.Ordinal);
            Assert.Contains("configmap written-in-cluster from=client\n", output, StringComparison.Ordinal);
            Assert.Contains("kube-system secrets: 403\n", output, StringComparison.Ordinal);

            var written = await KubectlAsync(["get", "configmap", "written-in-cluster", "-n", Namespace, "-o", "jsonpath={.data.from}"]);
            Assert.Equal("client", written.Stdout);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
            await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.SkiffDll, "images", "remove", "--data-dir", cluster.DataDirectory, image], null, TimeSpan.FromMinutes(1), CancellationToken.None);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Publishes the client program self-contained and packs it with the host libraries it loads: those its native
    /// parts link (ldd) and OpenSSL, which .NET opens at run time for TLS.
    /// </summary>
    private static async Task<string> BuildImageAsync(string work, string reference)
    {
        var publish = Path.Combine(work, "app");
        var project = Path.Combine(RepositoryPaths.Root, "tests", "Skiff.InClusterClient", "Skiff.InClusterClient.csproj");
        await RunAsync("dotnet", ["publish", project, "-c", "Release", "-r", "linux-x64", "--self-contained", "-o", publish], TimeSpan.FromMinutes(5));

        var entries = new List<OciLayerEntry>
        {
            OciLayerEntry.Directory("tmp", (UnixFileMode)0b1_111_111_111),
            OciLayerEntry.Directory("app"),
        };
        var natives = new List<string> { Path.Combine(publish, "Skiff.InClusterClient") };
        foreach (var file in Directory.GetFiles(publish).Order(StringComparer.Ordinal))
        {
            entries.Add(OciLayerEntry.FromHost("app/" + Path.GetFileName(file), file));
            if (file.EndsWith(".so", StringComparison.Ordinal))
            {
                natives.Add(file);
            }
        }

        var libraries = new SortedSet<string>(StringComparer.Ordinal) { "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libcrypto.so.3" };
        foreach (var binary in natives.Concat(libraries.ToList()))
        {
            var ldd = await ProcessRunner.RunAsync("ldd", [binary], null, TimeSpan.FromSeconds(30), CancellationToken.None);
            foreach (var line in ldd.Stdout.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
                var path = line.Contains("=>", StringComparison.Ordinal) ? line.Split("=>")[1].Trim().Split(' ')[0] : line.Split(' ')[0];
                if (path.StartsWith('/') && !path.StartsWith(publish, StringComparison.Ordinal))
                {
                    libraries.Add(path);
                }
            }
        }

        entries.AddRange(libraries.Select(library => OciLayerEntry.FromHost(library.TrimStart('/'), library)));
        var archive = Path.Combine(work, "in-cluster-client.oci.tar");
        await OciImageArchive.WriteAsync(entries, new JsonObject { ["Entrypoint"] = new JsonArray("/app/Skiff.InClusterClient") }, reference, archive);
        return archive;
    }

    private async Task<string> LogsWhenDoneAsync(string pod)
    {
        var phase = string.Empty;
        for (var deadline = DateTime.UtcNow.AddMinutes(2); phase is not ("Succeeded" or "Failed") && DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            phase = (await KubectlAsync(["get", "pod", pod, "-n", Namespace, "-o", "jsonpath={.status.phase}"])).Stdout;
        }

        var output = (await cluster.KubectlAsync(["logs", pod, "-n", Namespace])).Stdout;
        var describe = phase == "Succeeded" ? string.Empty : (await cluster.KubectlAsync(["describe", "pod", pod, "-n", Namespace])).Stdout;
        Assert.True(phase == "Succeeded", $"pod {pod}: {phase}\n{output}\n{describe}\n--- server log:\n{cluster.ReadLog()}");
        return output;
    }

    private async Task<CommandResult> KubectlAsync(string[] arguments)
    {
        var result = await cluster.KubectlAsync(arguments);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }

    private static async Task<CommandResult> RunAsync(string command, string[] arguments, TimeSpan timeout)
    {
        var result = await ProcessRunner.RunAsync(command, arguments, null, timeout, CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: {result}");
        return result;
    }
}
