using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Runs the pods of the manifest directory (<see cref="KubeletOptions.PodManifestPath"/>) and keeps a mirror pod of
/// each in the API (<c>&lt;name&gt;-&lt;node&gt;</c>, annotated <c>kubernetes.io/config.mirror</c>, owned by the Node) so
/// clients can see it. The directory is re-read every 20 s: a changed file replaces its pod, a removed file stops it.
/// </summary>
public sealed class StaticPodSource(
    KubeletOptions options,
    IApiClient api,
    PodWorkers workers,
    StatusManager statusManager,
    Func<string?> nodeUid,
    TimeProvider time,
    ILogger<StaticPodSource> logger)
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(20);

    private readonly Dictionary<string, V1Pod> byFile = new(StringComparer.Ordinal);

    public bool Has(string uid)
    {
        lock (byFile)
        {
            return byFile.Values.Any(p => p.Metadata.Uid == uid);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        do
        {
            try
            {
                await ScanAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "reading static pods from {Dir} failed", options.PodManifestPath);
            }
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    /// <summary>Reads the directory once, starts/replaces/stops pods, and brings their mirror pods up to date.</summary>
    public async Task ScanAsync(CancellationToken cancellationToken)
    {
        var dir = options.PodManifestPath;
        var seen = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        if (dir is not null && Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
            {
                var extension = Path.GetExtension(file);
                if (extension is not (".yaml" or ".yml" or ".json") || Path.GetFileName(file).StartsWith('.'))
                {
                    continue;
                }

                try
                {
                    seen[file] = Load(file, await File.ReadAllTextAsync(file, cancellationToken));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning("static pod manifest {File} is invalid: {Error}", file, e.Message);
                }
            }
        }

        List<V1Pod> stopped;
        lock (byFile)
        {
            stopped = byFile.Where(kv => !seen.TryGetValue(kv.Key, out var now) || now.Metadata.Uid != kv.Value.Metadata.Uid)
                .Select(kv => kv.Value)
                .ToList();
            byFile.Clear();
            foreach (var (file, pod) in seen)
            {
                byFile[file] = pod;
            }
        }

        foreach (var pod in stopped)
        {
            workers.Remove(pod);
            await DeleteMirrorAsync(pod, cancellationToken);
        }

        foreach (var pod in seen.Values)
        {
            workers.Update(pod, isStatic: true);
            statusManager.SetTarget(pod.Metadata.Uid, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
            await EnsureMirrorAsync(pod, cancellationToken);
        }
    }

    /// <summary>A manifest as the pod this kubelet runs: named for the node, defaulted, with a uid from its content.</summary>
    public V1Pod Load(string file, string text)
    {
        var pod = KubernetesYaml.Deserialize<V1Pod>(text)
            ?? throw new InvalidDataException($"{file} holds no pod");
        if (pod.Kind is not null && pod.Kind != "Pod")
        {
            throw new InvalidDataException($"{file} holds a {pod.Kind}, not a Pod");
        }

        var node = options.EffectiveNodeName;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(node + "\n" + text)))[..32];
        pod.ApiVersion = "v1";
        pod.Kind = "Pod";
        pod.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(pod.Metadata.Name))
        {
            throw new InvalidDataException($"{file}: metadata.name is required");
        }

        pod.Metadata.Name = $"{pod.Metadata.Name}-{node}";
        pod.Metadata.NamespaceProperty ??= "default";
        pod.Metadata.Uid = hash;
        pod.Metadata.Annotations ??= new Dictionary<string, string>();
        pod.Metadata.Annotations[KubeletLabels.ConfigSource] = "file";
        pod.Metadata.Annotations[KubeletLabels.ConfigHash] = hash;
        pod.Spec ??= new V1PodSpec();
        pod.Spec.NodeName = node;
        pod.Spec.RestartPolicy ??= "Always";
        pod.Spec.DnsPolicy ??= "ClusterFirst";
        pod.Spec.TerminationGracePeriodSeconds ??= 30;
        pod.Spec.SchedulerName ??= "default-scheduler";
        foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
        {
            container.ImagePullPolicy ??= PodSyncer.DefaultPullPolicy(container.Image);
            container.TerminationMessagePath ??= "/dev/termination-log";
            container.TerminationMessagePolicy ??= "File";
        }

        if (pod.Spec.Containers is not { Count: > 0 })
        {
            throw new InvalidDataException($"{file}: spec.containers must not be empty");
        }

        return pod;
    }

    private async Task EnsureMirrorAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var hash = pod.Metadata.Uid;
        var mirror = await api.GetAsync<V1Pod>(ns, pod.Metadata.Name, cancellationToken);
        if (mirror is not null)
        {
            if (!PodSource.IsMirror(mirror))
            {
                logger.LogWarning("pod {Namespace}/{Name} exists and is not a mirror pod; not replacing it", ns, pod.Metadata.Name);
                return;
            }

            if (mirror.Metadata.Annotations[KubeletLabels.ConfigMirror] == hash && mirror.Metadata.DeletionTimestamp is null)
            {
                return;
            }

            await api.DeletePodAsync(ns, mirror.Metadata.Name, mirror.Metadata.Uid, 0, cancellationToken);
        }

        var copy = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
        copy.Metadata.Uid = null;
        copy.Metadata.ResourceVersion = null;
        copy.Metadata.Annotations[KubeletLabels.ConfigMirror] = hash;
        var uid = nodeUid();
        if (uid is not null)
        {
            copy.Metadata.OwnerReferences =
            [
                new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = options.EffectiveNodeName, Uid = uid, Controller = true },
            ];
        }

        copy.Status = null;
        await api.CreateAsync(copy, cancellationToken);
        logger.LogInformation("created mirror pod {Namespace}/{Name}", ns, copy.Metadata.Name);
    }

    private async Task DeleteMirrorAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var mirror = await api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cancellationToken);
        if (mirror is not null && PodSource.IsMirror(mirror))
        {
            await api.DeletePodAsync(mirror.Metadata.NamespaceProperty, mirror.Metadata.Name, mirror.Metadata.Uid, 0, cancellationToken);
        }
    }
}
