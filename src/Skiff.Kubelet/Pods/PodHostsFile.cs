using System.Text;
using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The pod's <c>/etc/hosts</c>, which the kubelet manages (a file in the pod's directory bind-mounted into each
/// container): upstream's localhost entries, the pod's IP with its hostname (and its
/// <c>hostname.subdomain.ns.svc.domain</c> when a subdomain is set), then the <c>hostAliases</c>. A pod on the host
/// network gets the node's own hosts file followed by its aliases.
/// </summary>
public static class PodHostsFile
{
    public const string FileName = "etc-hosts";

    public static string Render(V1Pod pod, string? podIp, string clusterDomain, string? nodeHostsFile)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var spec = pod.Spec;
        var text = new StringBuilder();
        if (spec.HostNetwork == true)
        {
            text.Append(nodeHostsFile ?? string.Empty);
        }
        else
        {
            text.Append("# Kubernetes-managed hosts file.\n");
            text.Append("127.0.0.1\tlocalhost\n");
            text.Append("::1\tlocalhost ip6-localhost ip6-loopback\n");
            text.Append("fe00::0\tip6-localnet\n");
            text.Append("fe00::0\tip6-mcastprefix\n");
            text.Append("fe00::1\tip6-allnodes\n");
            text.Append("fe00::2\tip6-allrouters\n");
            if (!string.IsNullOrEmpty(podIp))
            {
                var hostname = Hostname(pod);
                var ns = pod.Metadata.NamespaceProperty ?? "default";
                text.Append(string.IsNullOrEmpty(spec.Subdomain)
                    ? $"{podIp}\t{hostname}\n"
                    : $"{podIp}\t{hostname}.{spec.Subdomain}.{ns}.svc.{clusterDomain}\t{hostname}\n");
            }
        }

        if (spec.HostAliases is { Count: > 0 } aliases)
        {
            text.Append("\n# Entries added by HostAliases.\n");
            foreach (var alias in aliases)
            {
                text.Append($"{alias.Ip}\t{string.Join('\t', alias.Hostnames ?? [])}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The pod's hostname: <c>spec.hostname</c>, else its name, cut to 63 characters.</summary>
    public static string Hostname(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = pod.Spec.Hostname ?? pod.Metadata.Name;
        return name.Length <= 63 ? name : name[..63].TrimEnd('-', '.');
    }

    /// <summary>Writes the file into the pod's directory and returns its path.</summary>
    public static async Task<string> WriteAsync(PodPaths paths, V1Pod pod, string? podIp, string clusterDomain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(pod);
        string? nodeHosts = null;
        if (pod.Spec.HostNetwork == true && File.Exists("/etc/hosts"))
        {
            nodeHosts = await File.ReadAllTextAsync("/etc/hosts", cancellationToken);
        }

        var directory = paths.PodDir(pod.Metadata.Uid);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var content = Render(pod, podIp, clusterDomain, nodeHosts);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, content, cancellationToken);
        File.Move(temp, path, overwrite: true);
        return path;
    }
}
