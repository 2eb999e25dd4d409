using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Skiff.Kubelet.Api;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>
/// An in-memory API for the kubelet's calls: objects with resourceVersions, 409 on a stale one, a pod watch fed by
/// the test, a call log, and injectable failures.
/// </summary>
public sealed class FakeKubeletApi : IKubeletApi
{
    private readonly object gate = new();
    private long revision;

    public Dictionary<string, V1Node> Nodes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, V1Lease> Leases { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, V1Pod> Pods { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, V1ConfigMap> ConfigMaps { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, V1Secret> Secrets { get; } = new(StringComparer.Ordinal);

    public List<string> Calls { get; } = [];

    /// <summary>Events the next watch yields; completing the writer ends the watch.</summary>
    public Channel<(WatchEventType, V1Pod)> WatchEvents { get; set; } = Channel.CreateUnbounded<(WatchEventType, V1Pod)>();

    /// <summary>When set, the next watch throws this right away.</summary>
    public Exception? NextWatchError { get; set; }

    /// <summary>Number of upcoming pod status writes that fail with 409 Conflict.</summary>
    public int PodStatusConflicts { get; set; }

    public void AddPod(V1Pod pod)
    {
        lock (gate)
        {
            pod.Metadata.ResourceVersion = Next();
            Pods[Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name)] = Copy(pod);
        }
    }

    public Task<V1Node?> GetNodeAsync(string name, CancellationToken cancellationToken) =>
        Get(Nodes, name, "GetNode");

    public Task<V1Node> CreateNodeAsync(V1Node node, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add("CreateNode");
            if (Nodes.ContainsKey(node.Metadata.Name))
            {
                throw new KubeletApiException(HttpStatusCode.Conflict, "exists");
            }

            var stored = Copy(node);
            stored.Metadata.Uid = "node-uid";
            stored.Metadata.ResourceVersion = Next();
            stored.Status = null; // status is a subresource: dropped on create, as the real API does
            Nodes[node.Metadata.Name] = stored;
            return Task.FromResult(Copy(stored));
        }
    }

    public Task<V1Node> ReplaceNodeAsync(V1Node node, CancellationToken cancellationToken) =>
        Replace(Nodes, node.Metadata.Name, node, "ReplaceNode", (stored, incoming) => incoming.Status = stored.Status);

    public Task<V1Node> ReplaceNodeStatusAsync(V1Node node, CancellationToken cancellationToken) =>
        Replace(Nodes, node.Metadata.Name, node, "ReplaceNodeStatus", (stored, incoming) =>
        {
            var status = incoming.Status;
            incoming.Metadata.Labels = stored.Metadata.Labels;
            incoming.Spec = stored.Spec;
            incoming.Status = status;
        });

    public Task<V1Lease?> GetLeaseAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        Get(Leases, Key(namespaceName, name), "GetLease");

    public Task<V1Lease> CreateLeaseAsync(V1Lease lease, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add("CreateLease");
            var stored = Copy(lease);
            stored.Metadata.ResourceVersion = Next();
            Leases[Key(lease.Metadata.NamespaceProperty, lease.Metadata.Name)] = stored;
            return Task.FromResult(Copy(stored));
        }
    }

    public Task<V1Lease> ReplaceLeaseAsync(V1Lease lease, CancellationToken cancellationToken) =>
        Replace(Leases, Key(lease.Metadata.NamespaceProperty, lease.Metadata.Name), lease, "ReplaceLease", (_, _) => { });

    public Task<V1PodList> ListPodsAsync(string fieldSelector, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add("ListPods " + fieldSelector);
            var node = fieldSelector.Split('=')[1];
            return Task.FromResult(new V1PodList
            {
                Metadata = new V1ListMeta { ResourceVersion = revision.ToString(CultureInfo.InvariantCulture) },
                Items = Pods.Values.Where(p => p.Spec.NodeName == node).Select(Copy).ToList(),
            });
        }
    }

    public async IAsyncEnumerable<(WatchEventType Type, V1Pod Pod)> WatchPodsAsync(
        string fieldSelector, string resourceVersion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add("WatchPods " + resourceVersion);
            if (NextWatchError is { } error)
            {
                NextWatchError = null;
                throw error;
            }
        }

        var reader = WatchEvents.Reader;
        await foreach (var item in reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public Task<V1Pod?> GetPodAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        Get(Pods, Key(namespaceName, name), "GetPod");

    public Task<V1Pod> CreatePodAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add("CreatePod " + pod.Metadata.Name);
            var stored = Copy(pod);
            stored.Metadata.Uid = "api-" + pod.Metadata.Name;
            stored.Metadata.ResourceVersion = Next();
            Pods[Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name)] = stored;
            return Task.FromResult(Copy(stored));
        }
    }

    public Task<V1Pod> ReplacePodAsync(V1Pod pod, CancellationToken cancellationToken) =>
        Replace(Pods, Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name), pod, "ReplacePod", (s, i) => i.Status = s.Status);

    public Task<V1Pod> ReplacePodStatusAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (PodStatusConflicts > 0)
            {
                PodStatusConflicts--;
                Calls.Add("ReplacePodStatus");
                // Someone else wrote meanwhile: bump the stored version so the retry must re-read.
                Pods[Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name)].Metadata.ResourceVersion = Next();
                throw new KubeletApiException(HttpStatusCode.Conflict, "the object has been modified");
            }
        }

        return Replace(Pods, Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name), pod, "ReplacePodStatus", (s, i) =>
        {
            var status = i.Status;
            i.Spec = s.Spec;
            i.Metadata.Labels = s.Metadata.Labels;
            i.Status = status;
        });
    }

    public Task DeletePodAsync(string namespaceName, string name, string uid, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Calls.Add($"DeletePod {namespaceName}/{name} grace={gracePeriodSeconds}");
            var key = Key(namespaceName, name);
            if (Pods.TryGetValue(key, out var pod) && pod.Metadata.Uid == uid)
            {
                Pods.Remove(key);
            }
        }

        return Task.CompletedTask;
    }

    public Task<V1ConfigMap?> GetConfigMapAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        Get(ConfigMaps, Key(namespaceName, name), "GetConfigMap");

    public Task<V1Secret?> GetSecretAsync(string namespaceName, string name, CancellationToken cancellationToken) =>
        Get(Secrets, Key(namespaceName, name), "GetSecret");

    public static string Key(string? ns, string name) => $"{ns ?? "default"}/{name}";

    private Task<T?> Get<T>(Dictionary<string, T> store, string key, string call)
        where T : class
    {
        lock (gate)
        {
            Calls.Add(call);
            return Task.FromResult(store.TryGetValue(key, out var value) ? Copy(value) : null);
        }
    }

    private Task<T> Replace<T>(Dictionary<string, T> store, string key, T incoming, string call, Action<T, T> keep)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (gate)
        {
            Calls.Add(call);
            if (!store.TryGetValue(key, out var stored))
            {
                throw new KubeletApiException(HttpStatusCode.NotFound, "not found");
            }

            if (incoming.Metadata.ResourceVersion != stored.Metadata.ResourceVersion)
            {
                throw new KubeletApiException(HttpStatusCode.Conflict, "the object has been modified");
            }

            var copy = Copy(incoming);
            keep(stored, copy);
            copy.Metadata.ResourceVersion = Next();
            copy.Metadata.Uid = stored.Metadata.Uid;
            store[key] = copy;
            return Task.FromResult(Copy(copy));
        }
    }

    private string Next() => (++revision).ToString(CultureInfo.InvariantCulture);

    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
