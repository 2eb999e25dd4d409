using System.Collections.Concurrent;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>The admission chain on a real server: creates, updates (PUT, patches, status), deletes and CONNECTs of
/// users' requests go through it with the caller's identity; a refusal is upstream's 403 and writes nothing.</summary>
public sealed class AdmissionServerTests
{
    private sealed class Recorder : IAdmissionPlugin
    {
        public ConcurrentQueue<string> Seen { get; } = new();

        public string Name => "Recorder";

        public void Admit(AdmissionAttributes a)
        {
            if (a.Resource.Plural != "configmaps" && !a.IsPod)
            {
                return;
            }

            Seen.Enqueue($"{a.Operation} {a.Resource.Plural}{(a.Subresource.Length > 0 ? "/" + a.Subresource : "")} {a.Name} by {a.User.Name}");
            if (a.Object is V1ConfigMap cm && a.Operation == AdmissionOperation.Update)
            {
                cm.Metadata.Annotations ??= new Dictionary<string, string>();
                cm.Metadata.Annotations["admitted-from"] = ((V1ConfigMap)a.OldObject!).Data?["v"] ?? "";
            }
        }

        public void Validate(AdmissionAttributes a)
        {
            if (a.Resource.Plural == "configmaps" && (a.OldObject ?? a.Object)?.Metadata.Name == "keep" && a.Operation == AdmissionOperation.Delete)
            {
                throw AdmissionErrors.Forbidden(a, "keep is kept");
            }
        }
    }

    [Fact]
    public async Task Writes_of_users_go_through_the_plugins_and_a_refusal_writes_nothing()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-admission-" + Guid.NewGuid().ToString("N")[..8]);
        var recorder = new Recorder();
        await using var store = new MemoryStore();
        await using var server = await ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = dir,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = 0,
                AdmissionPlugins = [.. AdmissionPlugins.Default(), recorder],
            },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "keep" }, Data = new Dictionary<string, string> { ["v"] = "1" } }, "default");
        var cm = await client.CoreV1.ReadNamespacedConfigMapAsync("keep", "default");
        cm.Data["v"] = "2";
        var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(cm, "keep", "default");
        Assert.Equal("1", updated.Metadata.Annotations["admitted-from"]); // the mutating phase saw the stored object
        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"data\":{\"v\":\"3\"}}", V1Patch.PatchType.MergePatch), "keep", "default");
        Assert.Equal("2", patched.Metadata.Annotations["admitted-from"]);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.DeleteNamespacedConfigMapAsync("keep", "default"));
        Assert.Equal(403, (int)refused.Response.StatusCode);
        Assert.Contains("configmaps \\\"keep\\\" is forbidden: keep is kept", refused.Response.Content, StringComparison.Ordinal);
        Assert.Equal("3", (await client.CoreV1.ReadNamespacedConfigMapAsync("keep", "default")).Data["v"]);

        var pod = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        }, "default");
        Assert.Equal("default", pod.Spec.ServiceAccountName);
        Assert.Equal(2, pod.Spec.Tolerations.Count);
        pod.Status.Phase = "Running";
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "web", "default");
        await client.CoreV1.DeleteNamespacedPodAsync("web", "default");

        Assert.Equal(
        [
            "Create configmaps keep by admin",
            "Update configmaps keep by admin",
            "Update configmaps keep by admin",
            "Delete configmaps keep by admin",
            "Create pods web by admin",
            "Update pods/status web by admin",
            "Delete pods web by admin",
        ], recorder.Seen.ToArray());
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
