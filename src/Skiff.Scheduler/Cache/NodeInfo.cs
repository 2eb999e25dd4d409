using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// One node as the scheduler sees it: the Node, its allocatable resources, and the pods on it (bound or assumed)
/// with the sum of their requests and the host ports they hold. Built and changed only under the cache's lock.
/// </summary>
public sealed class NodeInfo
{
    private readonly Dictionary<string, (V1Pod Pod, PodResources Requests)> _pods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _requested = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Protocol, int Port, string Ip), int> _hostPorts = [];

    public NodeInfo(string name) => Name = name;

    public string Name { get; }

    /// <summary>Null while the cache knows pods on a node it has not seen (yet).</summary>
    public V1Node? Node { get; set; }

    public IReadOnlyDictionary<string, long> Requested => _requested;

    public int PodCount => _pods.Count;

    public IEnumerable<V1Pod> Pods => _pods.Values.Select(p => p.Pod);

    /// <summary>The node's allocatable amount of a resource, in the scheduler's units (0 when not reported).</summary>
    public long Allocatable(string resource) =>
        Node?.Status?.Allocatable is { } allocatable && allocatable.TryGetValue(resource, out var q) && q is not null ? PodResources.Amount(resource, q) : 0;

    public bool HostPortInUse(string protocol, int port, string ip) =>
        _hostPorts.ContainsKey((protocol, port, ip)) || _hostPorts.ContainsKey((protocol, port, "0.0.0.0"))
        || (ip == "0.0.0.0" && _hostPorts.Keys.Any(k => k.Protocol == protocol && k.Port == port));

    public void AddPod(string key, V1Pod pod)
    {
        RemovePod(key);
        var requests = PodResources.Of(pod);
        _pods[key] = (pod, requests);
        foreach (var (name, amount) in requests.Amounts)
        {
            _requested[name] = _requested.GetValueOrDefault(name) + amount;
        }

        foreach (var port in HostPorts(pod))
        {
            _hostPorts[port] = _hostPorts.GetValueOrDefault(port) + 1;
        }
    }

    public bool RemovePod(string key)
    {
        if (!_pods.Remove(key, out var entry))
        {
            return false;
        }

        foreach (var (name, amount) in entry.Requests.Amounts)
        {
            _requested[name] = _requested.GetValueOrDefault(name) - amount;
        }

        foreach (var port in HostPorts(entry.Pod))
        {
            if (--_hostPorts[port] == 0)
            {
                _hostPorts.Remove(port);
            }
        }

        return true;
    }

    public bool HasPod(string key) => _pods.ContainsKey(key);

    public static IEnumerable<(string Protocol, int Port, string Ip)> HostPorts(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? [])
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => (p.Protocol ?? "TCP", p.HostPort!.Value, string.IsNullOrEmpty(p.HostIP) ? "0.0.0.0" : p.HostIP));
}
