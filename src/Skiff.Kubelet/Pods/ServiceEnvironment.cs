using System.Globalization;
using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The Service environment variables upstream's kubelet gives every container: for the <c>kubernetes</c> Service
/// of <c>default</c> always (what in-cluster clients read: <c>KUBERNETES_SERVICE_HOST</c>/<c>_PORT</c>), and, unless
/// <c>enableServiceLinks</c> is false, for every Service with a cluster IP in the pod's namespace:
/// <c>{NAME}_SERVICE_HOST</c>, <c>{NAME}_SERVICE_PORT[_{PORT}]</c> and Docker's link variables
/// (<c>{NAME}_PORT</c>, <c>{NAME}_PORT_80_TCP[_PROTO|_PORT|_ADDR]</c>).
/// </summary>
/// <param name="services">The Services, as the kubelet's informer has them.</param>
/// <param name="waitForSync">Waits (a bounded time) for the informer's first list; false when it has not come.</param>
public sealed class ServiceEnvironment(IReadOnlyCache<V1Service> services, Func<CancellationToken, Task<bool>> waitForSync)
{
    private const string MasterNamespace = "default";
    private const string MasterService = "kubernetes";

    /// <summary>The variables for <paramref name="pod"/>, ordered by Service name.</summary>
    /// <exception cref="ContainerConfigException">The Services have not been listed yet (upstream refuses to start a
    /// container then, rather than start it with a partial environment).</exception>
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> ForAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (!await waitForSync(cancellationToken))
        {
            throw new ContainerConfigException("services have not yet been read at least once, cannot construct envvars");
        }

        var ns = pod.Metadata.NamespaceProperty ?? MasterNamespace;
        var chosen = new SortedDictionary<string, V1Service>(StringComparer.Ordinal);
        if (services.Get(MasterNamespace, MasterService) is { } master && HasClusterIp(master))
        {
            chosen[MasterService] = master;
        }

        if (pod.Spec?.EnableServiceLinks ?? true)
        {
            foreach (var service in services.ByIndex(Client.Cache.Indexers.Namespace, ns))
            {
                // A Service of the pod's own namespace named kubernetes wins over the master's only in default itself.
                if (HasClusterIp(service) && (service.Metadata.Name != MasterService || ns == MasterNamespace))
                {
                    chosen[service.Metadata.Name] = service;
                }
            }
        }

        var result = new List<KeyValuePair<string, string>>();
        foreach (var service in chosen.Values)
        {
            AddVariables(service, result);
        }

        return result;
    }

    private static bool HasClusterIp(V1Service service) =>
        service.Spec?.ClusterIP is { Length: > 0 } ip && ip != "None" && (service.Spec.Ports?.Count ?? 0) > 0;

    private static void AddVariables(V1Service service, List<KeyValuePair<string, string>> result)
    {
        var prefix = VariableName(service.Metadata.Name);
        var ip = service.Spec.ClusterIP;
        var ports = service.Spec.Ports;
        result.Add(new(prefix + "_SERVICE_HOST", ip));
        result.Add(new(prefix + "_SERVICE_PORT", Number(ports[0].Port)));
        foreach (var port in ports.Where(p => !string.IsNullOrEmpty(p.Name)))
        {
            result.Add(new($"{prefix}_SERVICE_PORT_{VariableName(port.Name)}", Number(port.Port)));
        }

        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;
            var url = $"{protocol.ToLowerInvariant()}://{HostPort(ip, port.Port)}";
            if (i == 0)
            {
                result.Add(new(prefix + "_PORT", url));
            }

            var portPrefix = $"{prefix}_PORT_{Number(port.Port)}_{protocol.ToUpperInvariant()}";
            result.Add(new(portPrefix, url));
            result.Add(new(portPrefix + "_PROTO", protocol.ToLowerInvariant()));
            result.Add(new(portPrefix + "_PORT", Number(port.Port)));
            result.Add(new(portPrefix + "_ADDR", ip));
        }
    }

    private static string HostPort(string ip, int port) => ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{Number(port)}" : $"{ip}:{Number(port)}";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string VariableName(string name) => name.ToUpperInvariant().Replace('-', '_');
}
