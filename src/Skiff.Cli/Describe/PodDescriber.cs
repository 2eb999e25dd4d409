using System.Globalization;
using k8s.Models;

namespace Skiff.Cli.Describe;

/// <summary>kubectl's <c>describe pod</c> text, built from the typed Pod and its events.</summary>
public static class PodDescriber
{
    public static string Describe(V1Pod pod, IList<Corev1Event>? events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var w = new PrefixWriter();
        var meta = pod.Metadata;
        var spec = pod.Spec;
        var status = pod.Status ?? new V1PodStatus();
        w.Write(0, $"Name:\t{meta.Name}\n");
        w.Write(0, $"Namespace:\t{meta.NamespaceProperty}\n");
        if (spec.Priority is { } priority)
        {
            w.Write(0, string.Create(CultureInfo.InvariantCulture, $"Priority:\t{priority}\n"));
        }

        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            w.Write(0, $"Priority Class Name:\t{spec.PriorityClassName}\n");
        }

        if (!string.IsNullOrEmpty(spec.RuntimeClassName))
        {
            w.Write(0, $"Runtime Class Name:\t{spec.RuntimeClassName}\n");
        }

        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            w.Write(0, $"Service Account:\t{spec.ServiceAccountName}\n");
        }

        w.Write(0, string.IsNullOrEmpty(spec.NodeName) ? "Node:\t<none>\n" : $"Node:\t{spec.NodeName}/{status.HostIP}\n");
        if (status.StartTime is { } start)
        {
            w.Write(0, $"Start Time:\t{DescribeFormat.Rfc1123Z(start)}\n");
        }

        CommonSections.Labels(w, "Labels", meta.Labels);
        CommonSections.Annotations(w, "Annotations", meta.Annotations);
        if (meta.DeletionTimestamp is { } deleting && status.Phase is not "Failed" and not "Succeeded")
        {
            w.Write(0, $"Status:\tTerminating (lasts {DescribeFormat.Since(deleting, now)})\n");
            w.Write(0, string.Create(CultureInfo.InvariantCulture, $"Termination Grace Period:\t{meta.DeletionGracePeriodSeconds ?? 0}s\n"));
        }
        else
        {
            w.Write(0, $"Status:\t{status.Phase}\n");
        }

        if (!string.IsNullOrEmpty(status.Reason))
        {
            w.Write(0, $"Reason:\t{status.Reason}\n");
        }

        if (!string.IsNullOrEmpty(status.Message))
        {
            w.Write(0, $"Message:\t{status.Message}\n");
        }

        if (spec.SecurityContext?.SeccompProfile is { } seccomp)
        {
            w.Write(0, $"SeccompProfile:\t{seccomp.Type}\n");
            if (seccomp.Type == "Localhost")
            {
                w.Write(0, $"LocalhostProfile:\t{seccomp.LocalhostProfile}\n");
            }
        }

        w.Write(0, $"IP:\t{status.PodIP}\n");
        if (status.PodIPs is { Count: > 0 } ips)
        {
            w.Write(0, "IPs:\n");
            foreach (var ip in ips)
            {
                w.Write(1, $"IP:\t{ip.Ip}\n");
            }
        }
        else
        {
            w.Write(0, "IPs:\t<none>\n");
        }

        if (meta.OwnerReferences?.FirstOrDefault(o => o.Controller == true) is { } controller)
        {
            w.Write(0, $"Controlled By:\t{controller.Kind}/{controller.Name}\n");
        }

        if (!string.IsNullOrEmpty(status.NominatedNodeName))
        {
            w.Write(0, $"NominatedNodeName:\t{status.NominatedNodeName}\n");
        }

        if (spec.InitContainers is { Count: > 0 })
        {
            Containers(w, "Init Containers", spec.InitContainers, status.InitContainerStatuses);
        }

        Containers(w, "Containers", spec.Containers ?? [], status.ContainerStatuses);
        if (spec.ReadinessGates is { Count: > 0 } gates)
        {
            w.Write(0, "Readiness Gates:\n  Type\tStatus\n");
            foreach (var gate in gates)
            {
                var conditionStatus = status.Conditions?.FirstOrDefault(c => c.Type == gate.ConditionType)?.Status ?? "<none>";
                w.Write(1, $"{gate.ConditionType} \t{conditionStatus} \n");
            }
        }

        if (status.Conditions is { Count: > 0 } conditions)
        {
            w.Write(0, "Conditions:\n  Type\tStatus\n");
            foreach (var c in conditions)
            {
                w.Write(1, $"{c.Type} \t{c.Status} \n");
            }
        }

        Volumes(w, spec.Volumes);
        w.Write(0, $"QoS Class:\t{(string.IsNullOrEmpty(status.QosClass) ? QosClass(spec) : status.QosClass)}\n");
        CommonSections.Labels(w, "Node-Selectors", spec.NodeSelector);
        CommonSections.Tolerations(w, "Tolerations", spec.Tolerations);
        CommonSections.Events(w, events, now);
        return w.ToString();
    }

    private static void Containers(PrefixWriter w, string label, IList<V1Container> containers, IList<V1ContainerStatus>? statuses)
    {
        if (containers.Count == 0)
        {
            w.Write(0, $"{label}: <none>\n");
            return;
        }

        w.Write(0, $"{label}:\n");
        foreach (var container in containers)
        {
            var status = statuses?.FirstOrDefault(s => s.Name == container.Name);
            w.Write(1, $"{container.Name}:\n");
            if (status is not null)
            {
                w.Write(2, $"Container ID:\t{status.ContainerID}\n");
            }

            w.Write(2, $"Image:\t{container.Image}\n");
            if (status is not null)
            {
                w.Write(2, $"Image ID:\t{status.ImageID}\n");
            }

            var ports = string.Join(", ", (container.Ports ?? []).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.ContainerPort}/{p.Protocol}")));
            w.Write(2, ports.Contains(',', StringComparison.Ordinal) ? $"Ports:\t{ports}\n" : $"Port:\t{OrNone(ports)}\n");
            var hostPorts = string.Join(", ", (container.Ports ?? []).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.HostPort ?? 0}/{p.Protocol}")));
            w.Write(2, hostPorts.Contains(',', StringComparison.Ordinal) ? $"Host Ports:\t{hostPorts}\n" : $"Host Port:\t{OrNone(hostPorts)}\n");
            if (!string.IsNullOrEmpty(container.RestartPolicy))
            {
                w.Write(2, $"Restart Policy:\t{container.RestartPolicy}\n");
            }

            Lines(w, "Command", container.Command);
            Lines(w, "Args", container.Args);
            if (status is not null)
            {
                State(w, "State", status.State);
                if (status.LastState?.Terminated is not null)
                {
                    State(w, "Last State", status.LastState);
                }

                w.Write(2, $"Ready:\t{(status.Ready ? "True" : "False")}\n");
                w.Write(2, string.Create(CultureInfo.InvariantCulture, $"Restart Count:\t{status.RestartCount}\n"));
            }

            Resources(w, container.Resources, 2);
            Probe(w, "Liveness", container.LivenessProbe);
            Probe(w, "Readiness", container.ReadinessProbe);
            Probe(w, "Startup", container.StartupProbe);
            if (container.EnvFrom is { Count: > 0 } envFrom)
            {
                w.Write(2, "Environment Variables from:\n");
                foreach (var e in envFrom)
                {
                    var (from, name, optional) = e.ConfigMapRef is { } cm ? ("ConfigMap", cm.Name, cm.Optional == true)
                        : e.SecretRef is { } secret ? ("Secret", secret.Name, secret.Optional == true)
                        : (string.Empty, string.Empty, false);
                    w.Write(3, string.IsNullOrEmpty(e.Prefix)
                        ? $"{name}\t{from}\tOptional: {Bool(optional)}\n"
                        : $"{name}\t{from} with prefix '{e.Prefix}'\tOptional: {Bool(optional)}\n");
                }
            }

            Environment(w, container.Env);
            Mounts(w, container.VolumeMounts);
        }
    }

    private static string OrNone(string s) => s.Length == 0 ? "<none>" : s;

    private static string Bool(bool value) => value ? "true" : "false";

    private static void Lines(PrefixWriter w, string title, IList<string>? values)
    {
        if (values is not { Count: > 0 })
        {
            return;
        }

        w.Write(2, $"{title}:\n");
        foreach (var value in values)
        {
            foreach (var line in value.Split('\n'))
            {
                w.Write(3, line + "\n");
            }
        }
    }

    private static void State(PrefixWriter w, string name, V1ContainerState? state)
    {
        if (state?.Running is { } running)
        {
            w.Write(2, $"{name}:\tRunning\n");
            w.Write(3, $"Started:\t{DescribeFormat.Rfc1123Z(running.StartedAt)}\n");
        }
        else if (state?.Waiting is { } waiting)
        {
            w.Write(2, $"{name}:\tWaiting\n");
            if (!string.IsNullOrEmpty(waiting.Reason))
            {
                w.Write(3, $"Reason:\t{waiting.Reason}\n");
            }
        }
        else if (state?.Terminated is { } terminated)
        {
            w.Write(2, $"{name}:\tTerminated\n");
            if (!string.IsNullOrEmpty(terminated.Reason))
            {
                w.Write(3, $"Reason:\t{terminated.Reason}\n");
            }

            if (!string.IsNullOrEmpty(terminated.Message))
            {
                w.Write(3, $"Message:\t{terminated.Message}\n");
            }

            w.Write(3, string.Create(CultureInfo.InvariantCulture, $"Exit Code:\t{terminated.ExitCode}\n"));
            if (terminated.Signal is > 0)
            {
                w.Write(3, string.Create(CultureInfo.InvariantCulture, $"Signal:\t{terminated.Signal}\n"));
            }

            w.Write(3, $"Started:\t{DescribeFormat.Rfc1123Z(terminated.StartedAt)}\n");
            w.Write(3, $"Finished:\t{DescribeFormat.Rfc1123Z(terminated.FinishedAt)}\n");
        }
        else
        {
            w.Write(2, $"{name}:\tWaiting\n");
        }
    }

    internal static void Resources(PrefixWriter w, V1ResourceRequirements? resources, int level)
    {
        if (resources is null)
        {
            return;
        }

        if (resources.Limits is { Count: > 0 } limits)
        {
            w.Write(level, "Limits:\n");
            foreach (var name in limits.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                w.Write(level + 1, $"{name}:\t{limits[name]}\n");
            }
        }

        if (resources.Requests is { Count: > 0 } requests)
        {
            w.Write(level, "Requests:\n");
            foreach (var name in requests.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                w.Write(level + 1, $"{name}:\t{requests[name]}\n");
            }
        }
    }

    private static void Probe(PrefixWriter w, string title, V1Probe? probe)
    {
        if (probe is null)
        {
            return;
        }

        var attrs = string.Create(CultureInfo.InvariantCulture,
            $"delay={probe.InitialDelaySeconds ?? 0}s timeout={probe.TimeoutSeconds ?? 0}s period={probe.PeriodSeconds ?? 0}s #success={probe.SuccessThreshold ?? 0} #failure={probe.FailureThreshold ?? 0}");
        string text;
        if (probe.Exec is { } exec)
        {
            text = $"exec [{string.Join(' ', exec.Command ?? [])}] {attrs}";
        }
        else if (probe.HttpGet is { } http)
        {
            var port = http.Port?.Value ?? string.Empty;
            var host = port.Length > 0 ? $"{HostForUrl(http.Host ?? string.Empty)}:{port}" : http.Host ?? string.Empty;
            text = $"http-get {(http.Scheme ?? string.Empty).ToLowerInvariant()}://{host}{http.Path} {attrs}";
        }
        else if (probe.TcpSocket is { } tcp)
        {
            text = $"tcp-socket {tcp.Host}:{tcp.Port?.Value} {attrs}";
        }
        else if (probe.Grpc is { } grpc)
        {
            text = string.Create(CultureInfo.InvariantCulture, $"grpc <pod>:{grpc.Port} {grpc.Service} {attrs}");
        }
        else
        {
            text = $"unknown {attrs}";
        }

        w.Write(2, $"{title}:\t{text}\n");
    }

    private static string HostForUrl(string host) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;

    private static void Environment(PrefixWriter w, IList<V1EnvVar>? env)
    {
        if (env is not { Count: > 0 })
        {
            w.Write(2, "Environment:\t<none>\n");
            return;
        }

        w.Write(2, "Environment:\n");
        foreach (var e in env)
        {
            if (e.ValueFrom is null)
            {
                var lines = (e.Value ?? string.Empty).Split('\n');
                for (var i = 0; i < lines.Length; i++)
                {
                    w.Write(3, i == 0 ? $"{e.Name}:\t{lines[i]}\n" : $"\t{lines[i]}\n");
                }

                continue;
            }

            if (e.ValueFrom.FieldRef is { } field)
            {
                w.Write(3, $"{e.Name}:\t ({field.ApiVersion}:{field.FieldPath})\n");
            }
            else if (e.ValueFrom.ResourceFieldRef is { } resource)
            {
                w.Write(3, $"{e.Name}:\t{resource.Resource} ({resource.ContainerName})\n");
            }
            else if (e.ValueFrom.SecretKeyRef is { } secret)
            {
                w.Write(3, $"{e.Name}:\t<set to the key '{secret.Key}' in secret '{secret.Name}'>\tOptional: {Bool(secret.Optional == true)}\n");
            }
            else if (e.ValueFrom.ConfigMapKeyRef is { } configMap)
            {
                w.Write(3, $"{e.Name}:\t<set to the key '{configMap.Key}' of config map '{configMap.Name}'>\tOptional: {Bool(configMap.Optional == true)}\n");
            }
        }
    }

    private static void Mounts(PrefixWriter w, IList<V1VolumeMount>? mounts)
    {
        if (mounts is not { Count: > 0 })
        {
            w.Write(2, "Mounts:\t<none>\n");
            return;
        }

        w.Write(2, "Mounts:\n");
        foreach (var mount in mounts.OrderBy(m => m.MountPath, StringComparer.Ordinal))
        {
            var flags = new List<string> { mount.ReadOnlyProperty == true ? "ro" : "rw" };
            if (!string.IsNullOrEmpty(mount.SubPath))
            {
                flags.Add($"path=\"{mount.SubPath}\"");
            }

            w.Write(3, $"{mount.MountPath} from {mount.Name} ({string.Join(',', flags)})\n");
        }
    }

    private static void Volumes(PrefixWriter w, IList<V1Volume>? volumes)
    {
        if (volumes is not { Count: > 0 })
        {
            w.Write(0, "Volumes:\t<none>\n");
            return;
        }

        w.Write(0, "Volumes:\n");
        foreach (var volume in volumes)
        {
            w.Write(1, $"{volume.Name}:\n");
            if (volume.HostPath is { } hostPath)
            {
                w.Write(2, $"Type:\tHostPath (bare host directory volume)\n    Path:\t{hostPath.Path}\n    HostPathType:\t{(hostPath.Type is null ? "<none>" : hostPath.Type)}\n");
            }
            else if (volume.EmptyDir is { } emptyDir)
            {
                var sizeLimit = emptyDir.SizeLimit is { } limit && limit.ToDecimal() > 0 ? limit.ToString() : "<unset>";
                w.Write(2, $"Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{emptyDir.Medium}\n    SizeLimit:\t{sizeLimit}\n");
            }
            else if (volume.Secret is { } secret)
            {
                w.Write(2, $"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{secret.SecretName}\n    Optional:\t{Bool(secret.Optional == true)}\n");
            }
            else if (volume.ConfigMap is { } configMap)
            {
                w.Write(2, $"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{configMap.Name}\n    Optional:\t{Bool(configMap.Optional == true)}\n");
            }
            else if (volume.Projected is { } projected)
            {
                w.Write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n");
                foreach (var source in projected.Sources ?? [])
                {
                    if (source.ServiceAccountToken is { } token)
                    {
                        w.Write(2, string.Create(CultureInfo.InvariantCulture, $"TokenExpirationSeconds:\t{token.ExpirationSeconds ?? 0}\n"));
                    }
                    else if (source.ConfigMap is { } cm)
                    {
                        w.Write(2, $"ConfigMapName:\t{cm.Name}\n    ConfigMapOptional:\t{(cm.Optional is null ? "<nil>" : Bool(cm.Optional.Value))}\n");
                    }
                    else if (source.DownwardAPI is not null)
                    {
                        w.Write(2, "DownwardAPI:\ttrue\n");
                    }
                    else if (source.Secret is { } s)
                    {
                        w.Write(2, $"SecretName:\t{s.Name}\n    SecretOptionalName:\t{(s.Optional is null ? "<nil>" : Bool(s.Optional.Value))}\n");
                    }
                }
            }
            else
            {
                w.Write(1, "<unknown>\n");
            }
        }
    }

    /// <summary>The QoS class when the server did not set one: BestEffort, Guaranteed or Burstable.</summary>
    internal static string QosClass(V1PodSpec spec)
    {
        var containers = (spec.Containers ?? []).Concat(spec.InitContainers ?? []).ToList();
        var any = containers.Any(c => c.Resources?.Requests is { Count: > 0 } || c.Resources?.Limits is { Count: > 0 });
        if (!any)
        {
            return "BestEffort";
        }

        var guaranteed = containers.All(c =>
            new[] { "cpu", "memory" }.All(r =>
                c.Resources?.Limits is { } limits && limits.TryGetValue(r, out var limit)
                && (c.Resources.Requests is null || !c.Resources.Requests.TryGetValue(r, out var request) || request.ToDecimal() == limit.ToDecimal())));
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
