using k8s.Models;
using Skiff.Api.Dns;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// A pod's resolv.conf as the kubelet's DNS configurer makes it (the runtime writes it from the sandbox's
/// DNSConfig): <c>ClusterFirst</c> (and <c>ClusterFirstWithHostNet</c>) name the cluster DNS with the search path
/// <c>ns.svc.domain svc.domain domain</c> followed by the host's search domains and <c>ndots:5</c>;
/// <c>ClusterFirst</c> on the host network and <c>Default</c> take the host's resolv.conf; <c>None</c> starts empty;
/// then <c>dnsConfig</c> is merged in (nameservers and searches appended without duplicates, options by name, the
/// pod's winning). The limits of the resolver are kept: 3 nameservers, 32 search domains.
/// </summary>
public static class PodDns
{
    public const int MaxNameservers = 3;
    public const int MaxSearches = 32;

    public static DNSConfig Build(V1Pod pod, IReadOnlyList<string> clusterDns, string clusterDomain, ResolvConf host)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(clusterDns);
        ArgumentNullException.ThrowIfNull(host);
        var spec = pod.Spec;
        var policy = spec.DnsPolicy ?? "ClusterFirst";
        var hostNetwork = spec.HostNetwork == true;
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        var clusterFirst = policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !hostNetwork);
        if (policy == "None")
        {
        }
        else if (clusterFirst && clusterDns.Count > 0)
        {
            var ns = pod.Metadata.NamespaceProperty ?? "default";
            servers.AddRange(clusterDns);
            searches.AddRange([$"{ns}.svc.{clusterDomain}", $"svc.{clusterDomain}", clusterDomain]);
            AddNew(searches, host.Searches);
            options.Add("ndots:5");
        }
        else
        {
            // Default, ClusterFirst on the host network, or ClusterFirst without a cluster DNS: the host's.
            servers.AddRange(host.Nameservers);
            searches.AddRange(host.Searches);
            options.AddRange(host.Options);
        }

        if (spec.DnsConfig is { } custom)
        {
            AddNew(servers, custom.Nameservers ?? []);
            AddNew(searches, custom.Searches ?? []);
            foreach (var option in custom.Options ?? [])
            {
                var text = option.Value is null ? option.Name : $"{option.Name}:{option.Value}";
                var existing = options.FindIndex(o => o.Split(':')[0] == option.Name);
                if (existing >= 0)
                {
                    options[existing] = text;
                }
                else
                {
                    options.Add(text);
                }
            }
        }

        var config = new DNSConfig();
        config.Servers.AddRange(servers.Take(MaxNameservers));
        config.Searches.AddRange(searches.Take(MaxSearches));
        config.Options.AddRange(options);
        return config;
    }

    /// <summary>The resolv.conf text the runtime writes for <paramref name="config"/> (what the pod reads).</summary>
    public static string Render(DNSConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lines = new List<string>();
        if (config.Searches.Count > 0)
        {
            lines.Add("search " + string.Join(' ', config.Searches));
        }

        lines.AddRange(config.Servers.Select(s => "nameserver " + s));
        if (config.Options.Count > 0)
        {
            lines.Add("options " + string.Join(' ', config.Options));
        }

        return string.Join('\n', lines) + "\n";
    }

    private static void AddNew(List<string> list, IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            if (!list.Contains(value, StringComparer.Ordinal))
            {
                list.Add(value);
            }
        }
    }
}
