using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Networking.Dns;

/// <summary>
/// The cluster DNS Service <c>kube-system/kube-dns</c> at the cluster DNS address, ports 53/UDP and 53/TCP, as a
/// cluster made by kubeadm has it. Skiff serves DNS on every node at that very address (bound on the node, as
/// NodeLocal DNSCache binds the kube-dns IP), so the Service has no selector and its Endpoints name the address
/// itself: a service proxy that DNATs cluster IPs to endpoints sends DNS to the node's own server.
/// </summary>
public static class ClusterDnsService
{
    public static async Task EnsureAsync(IApiClient api, ClusterDnsOptions options, IPAddress address, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(address);
        var ns = options.ServiceNamespace;
        var name = options.ServiceName;
        var labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns", ["kubernetes.io/name"] = "CoreDNS" };
        if (await api.GetAsync<V1Service>(ns, name, cancellationToken) is null)
        {
            try
            {
                await api.CreateAsync(
                    new V1Service
                    {
                        ApiVersion = "v1",
                        Kind = "Service",
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
                        Spec = new V1ServiceSpec
                        {
                            Type = "ClusterIP",
                            ClusterIP = address.ToString(),
                            ClusterIPs = [address.ToString()],
                            Ports =
                            [
                                new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP", TargetPort = 53 },
                                new V1ServicePort { Name = "dns-tcp", Port = 53, Protocol = "TCP", TargetPort = 53 },
                            ],
                        },
                    },
                    cancellationToken);
                logger.LogInformation("created Service {Namespace}/{Name} at {Address}", ns, name, address);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
            }
        }

        if (await api.GetAsync<V1Endpoints>(ns, name, cancellationToken) is null)
        {
            try
            {
                await api.CreateAsync(
                    new V1Endpoints
                    {
                        ApiVersion = "v1",
                        Kind = "Endpoints",
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
                        Subsets =
                        [
                            new V1EndpointSubset
                            {
                                Addresses = [new V1EndpointAddress { Ip = address.ToString() }],
                                Ports =
                                [
                                    new Corev1EndpointPort { Name = "dns", Port = 53, Protocol = "UDP" },
                                    new Corev1EndpointPort { Name = "dns-tcp", Port = 53, Protocol = "TCP" },
                                ],
                            },
                        ],
                    },
                    cancellationToken);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
            }
        }
    }
}
