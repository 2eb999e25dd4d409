using System.Globalization;
using k8s.Models;
using static Skiff.ApiServer.Admission.PodSecurity.Wording;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>The baseline level's checks (upstream's pod-security-admission policy package), each a pure function of a pod.</summary>
public static class BaselineChecks
{
    private const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
    private const string SeccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
    private const string SeccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

    private static readonly HashSet<string> DefaultCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID",
        "SETPCAP", "SETUID", "SYS_CHROOT",
    };

    private static readonly HashSet<string> SELinuxTypes = new(StringComparer.Ordinal) { "", "container_t", "container_init_t", "container_kvm_t" };

    private static readonly string[] SafeSysctls =
        ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"];

    private static readonly string[] SafeSysctlsSince1_27 = ["net.ipv4.ip_local_reserved_ports"];

    private static readonly string[] SafeSysctlsSince1_29 =
        ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"];

    public static CheckResult? AppArmorProfile(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var bad = new List<string>();
        foreach (var (key, value) in meta.Annotations ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal)
                && !(value.Length == 0 || value == "runtime/default" || value.StartsWith("localhost/", StringComparison.Ordinal)))
            {
                bad.Add($"{key}={Quote(value)}");
            }
        }

        // The field (1.30+): only Unconfined is forbidden.
        if (spec.SecurityContext?.AppArmorProfile?.Type == "Unconfined")
        {
            bad.Add("pod must not set securityContext.appArmorProfile.type to \"Unconfined\"");
        }

        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.AppArmorProfile?.Type == "Unconfined")
            {
                bad.Add($"container {Quote(c.Name)} must not set securityContext.appArmorProfile.type to \"Unconfined\"");
            }
        }

        bad.Sort(StringComparer.Ordinal);
        return bad.Count == 0 ? null : new CheckResult(Pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", bad.Count), string.Join(", ", bad));
    }

    public static CheckResult? CapabilitiesBaseline(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var containers = new List<string>();
        var added = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            var extra = (c.SecurityContext?.Capabilities?.Add ?? []).Where(cap => !DefaultCapabilities.Contains(cap)).ToList();
            if (extra.Count > 0)
            {
                containers.Add(c.Name);
                added.AddRange(extra);
            }
        }

        return containers.Count == 0
            ? null
            : new CheckResult("non-default capabilities", $"{Containers(containers)} must not include {JoinQuote(SortedSet(added))} in securityContext.capabilities.add");
    }

    public static CheckResult? HostNamespaces(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var set = new List<string>();
        if (spec.HostNetwork == true)
        {
            set.Add("hostNetwork=true");
        }

        if (spec.HostPID == true)
        {
            set.Add("hostPID=true");
        }

        if (spec.HostIPC == true)
        {
            set.Add("hostIPC=true");
        }

        return set.Count == 0 ? null : new CheckResult("host namespaces", string.Join(", ", set));
    }

    public static CheckResult? HostPathVolumes(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var names = (spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => v.Name ?? string.Empty).ToList();
        return names.Count == 0 ? null : new CheckResult("hostPath volumes", $"{Pluralize("volume", "volumes", names.Count)} {JoinQuote(names)}");
    }

    public static CheckResult? HostPorts(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var containers = new List<string>();
        var ports = new HashSet<int>();
        foreach (var c in PodContainer.All(spec))
        {
            var used = (c.Ports ?? []).Where(p => p.HostPort is { } h && h != 0).Select(p => p.HostPort!.Value).ToList();
            if (used.Count > 0)
            {
                containers.Add(c.Name);
                ports.UnionWith(used);
            }
        }

        if (containers.Count == 0)
        {
            return null;
        }

        // Go sorts the ports as strings.
        var list = SortedSet(ports.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        return new CheckResult(
            "hostPort",
            $"{Containers(containers)} {Pluralize("uses", "use", containers.Count)} {Pluralize("hostPort", "hostPorts", list.Count)} {string.Join(", ", list)}");
    }

    public static CheckResult? Privileged(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var containers = PodContainer.All(spec).Where(c => c.SecurityContext?.Privileged == true).Select(c => c.Name).ToList();
        return containers.Count == 0 ? null : new CheckResult("privileged", $"{Containers(containers)} must not set securityContext.privileged=true");
    }

    public static CheckResult? ProcMount(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var containers = new List<string>();
        var types = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.ProcMount is { } mount && mount != "Default")
            {
                containers.Add(c.Name);
                types.Add(mount);
            }
        }

        return containers.Count == 0
            ? null
            : new CheckResult("procMount", $"{Containers(containers)} must not set securityContext.procMount to {JoinQuote(SortedSet(types))}");
    }

    public static CheckResult? SELinuxOptions(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var badTypes = new List<string>();
        var setUser = false;
        var setRole = false;
        bool Valid(V1SELinuxOptions o)
        {
            var ok = true;
            if (!SELinuxTypes.Contains(o.Type ?? string.Empty))
            {
                ok = false;
                badTypes.Add(o.Type ?? string.Empty);
            }

            if (!string.IsNullOrEmpty(o.User))
            {
                ok = false;
                setUser = true;
            }

            if (!string.IsNullOrEmpty(o.Role))
            {
                ok = false;
                setRole = true;
            }

            return ok;
        }

        var setters = new List<string>();
        if (spec.SecurityContext?.SeLinuxOptions is { } podOptions && !Valid(podOptions))
        {
            setters.Add("pod");
        }

        var containers = PodContainer.All(spec).Where(c => c.SecurityContext?.SeLinuxOptions is { } o && !Valid(o)).Select(c => c.Name).ToList();
        if (containers.Count > 0)
        {
            setters.Add(Containers(containers));
        }

        if (setters.Count == 0)
        {
            return null;
        }

        // As upstream: user and role are only mentioned next to a bad type.
        var data = new List<string>();
        if (badTypes.Count > 0)
        {
            var types = SortedSet(badTypes);
            data.Add($"{Pluralize("type", "types", types.Count)} {JoinQuote(types)}");
            if (setUser)
            {
                data.Add("user may not be set");
            }

            if (setRole)
            {
                data.Add("role may not be set");
            }
        }

        return new CheckResult("seLinuxOptions", $"{string.Join(" and ", setters)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", data)}");
    }

    public static CheckResult? SeccompProfileBaseline(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        if (minor < 19)
        {
            return SeccompAnnotations(meta, spec);
        }

        var setters = new List<string>();
        var values = new List<string>();
        if (spec.SecurityContext?.SeccompProfile is { } podProfile && !ValidSeccomp(podProfile.Type))
        {
            setters.Add("pod");
            values.Add(podProfile.Type ?? string.Empty);
        }

        var containers = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.SeccompProfile is { } profile && !ValidSeccomp(profile.Type))
            {
                containers.Add(c.Name);
                values.Add(profile.Type ?? string.Empty);
            }
        }

        if (containers.Count > 0)
        {
            setters.Add(Containers(containers));
        }

        return setters.Count == 0
            ? null
            : new CheckResult("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {JoinQuote(SortedSet(values))}");
    }

    public static CheckResult? Sysctls(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var allowed = new HashSet<string>(SafeSysctls, StringComparer.Ordinal);
        if (minor >= 27)
        {
            allowed.UnionWith(SafeSysctlsSince1_27);
        }

        if (minor >= 29)
        {
            allowed.UnionWith(SafeSysctlsSince1_29);
        }

        var forbidden = (spec.SecurityContext?.Sysctls ?? []).Select(s => s.Name ?? string.Empty).Where(n => !allowed.Contains(n)).ToList();
        return forbidden.Count == 0 ? null : new CheckResult("forbidden sysctls", string.Join(", ", forbidden));
    }

    public static CheckResult? WindowsHostProcess(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.WindowsOptions?.HostProcess == true)
        {
            setters.Add("pod");
        }

        var containers = PodContainer.All(spec).Where(c => c.SecurityContext?.WindowsOptions?.HostProcess == true).Select(c => c.Name).ToList();
        if (containers.Count > 0)
        {
            setters.Add(Containers(containers));
        }

        return setters.Count == 0
            ? null
            : new CheckResult("hostProcess", $"{string.Join(" and ", setters)} must not set securityContext.windowsOptions.hostProcess=true");
    }

    internal static bool ValidSeccomp(string? type) => type is "RuntimeDefault" or "Localhost";

    private static CheckResult? SeccompAnnotations(V1ObjectMeta meta, V1PodSpec spec)
    {
        static bool Valid(string v) => v is "runtime/default" or "docker/default" || v.StartsWith("localhost/", StringComparison.Ordinal);
        var annotations = meta.Annotations ?? new Dictionary<string, string>();
        var forbidden = new List<string>();
        if (annotations.TryGetValue(SeccompPodAnnotation, out var podValue) && !Valid(podValue))
        {
            forbidden.Add($"{SeccompPodAnnotation}={Quote(podValue)}");
        }

        foreach (var c in PodContainer.All(spec))
        {
            var key = SeccompContainerAnnotationPrefix + c.Name;
            if (annotations.TryGetValue(key, out var value) && !Valid(value))
            {
                forbidden.Add($"{key}={Quote(value)}");
            }
        }

        var list = SortedSet(forbidden);
        return list.Count == 0 ? null : new CheckResult("seccompProfile", $"forbidden {Pluralize("annotation", "annotations", list.Count)} {string.Join(", ", list)}");
    }
}
