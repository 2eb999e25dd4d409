using Microsoft.Extensions.Logging;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Removes a pod's cgroup directories (<c>kubepods[/qos]/pod&lt;uid&gt;</c>) in every hierarchy: runc creates them as
/// parents of the containers' cgroups, and neither runc nor containerd removes them.
/// </summary>
public sealed class CgroupCleaner(KubeletOptions options, ILogger<CgroupCleaner> logger)
{
    private static readonly string[] QosDirs = ["kubepods", "kubepods/burstable", "kubepods/besteffort"];

    public void RemovePodCgroups(string podUid)
    {
        if (!Directory.Exists(options.CgroupRoot))
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hierarchy in Directory.EnumerateDirectories(options.CgroupRoot))
        {
            // cpu and cpuacct are often symlinks to "cpu,cpuacct": visit each real directory once.
            var real = new DirectoryInfo(hierarchy).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? hierarchy;
            if (!seen.Add(real))
            {
                continue;
            }

            foreach (var qos in QosDirs)
            {
                var dir = Path.Combine(real, qos, $"pod{podUid}");
                if (Directory.Exists(dir))
                {
                    RemoveTree(dir);
                }
            }
        }
    }

    /// <summary>cgroup directories can only be rmdir'ed bottom-up, and only once empty of processes.</summary>
    private void RemoveTree(string dir)
    {
        foreach (var child in Directory.EnumerateDirectories(dir))
        {
            RemoveTree(child);
        }

        try
        {
            Directory.Delete(dir, recursive: false);
        }
        catch (IOException e)
        {
            logger.LogWarning("could not remove cgroup {Dir}: {Error}", dir, e.Message);
        }
    }
}
