using k8s.Models;

namespace Skiff.Apimachinery.Strategies.Pods;

/// <summary>
/// Kubernetes' defaulting of pods (<c>SetDefaults_Pod</c>, <c>SetDefaults_PodSpec</c>, <c>SetDefaults_Container</c>,
/// volumes, probes), so an object reads back as from a real API server. What admission plugins add on create
/// (service account, priority, default tolerations) is theirs: <c>Skiff.ApiServer.Admission</c>.
/// </summary>
public static class PodDefaults
{
    public const long DefaultTerminationGracePeriodSeconds = 30;
    public const string DefaultSchedulerName = "default-scheduler";
    public const int DefaultVolumeMode = 420; // 0644

    /// <summary>SetDefaults_Pod: the pod spec's defaults plus what only pods get (enableServiceLinks, requests
    /// copied from limits).</summary>
    public static void ApplyToPod(V1Pod pod)
    {
        var spec = pod.Spec ??= new V1PodSpec();
        ApplyToSpec(spec);
        spec.EnableServiceLinks ??= true;

        // v1's conversion keeps the deprecated serviceAccount field and serviceAccountName in step.
        if (string.IsNullOrEmpty(spec.ServiceAccountName) && !string.IsNullOrEmpty(spec.ServiceAccount))
        {
            spec.ServiceAccountName = spec.ServiceAccount;
        }

        spec.ServiceAccount = string.IsNullOrEmpty(spec.ServiceAccountName) ? spec.ServiceAccount : spec.ServiceAccountName;
        foreach (var container in AllContainers(spec))
        {
            CopyLimitsToRequests(container.Resources);
        }
    }

    /// <summary>SetDefaults_PodSpec and everything below it; also what pod templates get.</summary>
    public static void ApplyToSpec(V1PodSpec spec)
    {
        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            spec.DnsPolicy = "ClusterFirst";
        }

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            spec.RestartPolicy = "Always";
        }

        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.TerminationGracePeriodSeconds ??= DefaultTerminationGracePeriodSeconds;
        if (string.IsNullOrEmpty(spec.SchedulerName))
        {
            spec.SchedulerName = DefaultSchedulerName;
        }

        foreach (var container in AllContainers(spec))
        {
            ApplyToContainer(container, spec.HostNetwork == true);
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            ApplyToVolume(volume);
        }
    }

    /// <summary>The pull policy Kubernetes picks: Always for <c>:latest</c> or no tag, else IfNotPresent (a digest
    /// counts as a tag).</summary>
    public static string ImagePullPolicyFor(string? image)
    {
        if (string.IsNullOrEmpty(image) || image.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }

        var lastSlash = image.LastIndexOf('/');
        var lastColon = image.LastIndexOf(':');
        if (lastColon <= lastSlash)
        {
            return "Always";
        }

        return image[(lastColon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    private static void ApplyToContainer(V1Container container, bool hostNetwork)
    {
        // Like upstream, an image that cannot be parsed (e.g. empty) gets IfNotPresent; validation reports the image.
        if (string.IsNullOrEmpty(container.ImagePullPolicy))
        {
            container.ImagePullPolicy = ImagePullPolicyFor(container.Image);
        }

        if (string.IsNullOrEmpty(container.TerminationMessagePath))
        {
            container.TerminationMessagePath = "/dev/termination-log";
        }

        if (string.IsNullOrEmpty(container.TerminationMessagePolicy))
        {
            container.TerminationMessagePolicy = "File";
        }

        container.Resources ??= new V1ResourceRequirements();
        foreach (var port in container.Ports ?? [])
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }

            if (hostNetwork && port.HostPort is null or 0)
            {
                port.HostPort = port.ContainerPort;
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom?.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.ApiVersion))
            {
                fieldRef.ApiVersion = "v1";
            }
        }

        ApplyToProbe(container.LivenessProbe);
        ApplyToProbe(container.ReadinessProbe);
        ApplyToProbe(container.StartupProbe);
    }

    private static void ApplyToProbe(V1Probe? probe)
    {
        if (probe is null)
        {
            return;
        }

        probe.TimeoutSeconds ??= 1;
        probe.PeriodSeconds ??= 10;
        probe.SuccessThreshold ??= 1;
        probe.FailureThreshold ??= 3;
        if (probe.HttpGet is { } httpGet)
        {
            if (string.IsNullOrEmpty(httpGet.Path))
            {
                httpGet.Path = "/";
            }

            if (string.IsNullOrEmpty(httpGet.Scheme))
            {
                httpGet.Scheme = "HTTP";
            }
        }
    }

    private static void ApplyToVolume(V1Volume volume)
    {
        if (!HasSource(volume))
        {
            volume.EmptyDir = new V1EmptyDirVolumeSource();
        }

        if (volume.ConfigMap is { } configMap)
        {
            configMap.DefaultMode ??= DefaultVolumeMode;
        }

        if (volume.Secret is { } secret)
        {
            secret.DefaultMode ??= DefaultVolumeMode;
        }

        if (volume.DownwardAPI is { } downward)
        {
            downward.DefaultMode ??= DefaultVolumeMode;
        }

        if (volume.Projected is { } projected)
        {
            projected.DefaultMode ??= DefaultVolumeMode;
        }

        if (volume.HostPath is { } hostPath)
        {
            hostPath.Type ??= string.Empty;
        }
    }

    /// <summary>Whether any volume source (a property other than the name) is set.</summary>
    public static bool HasSource(V1Volume volume) => VolumeSources(volume).Any();

    /// <summary>The JSON names of the sources set on a volume, e.g. <c>emptyDir</c>.</summary>
    public static IEnumerable<string> VolumeSources(V1Volume volume) =>
        VolumeSourceProperties.Where(p => p.Property.GetValue(volume) is not null).Select(p => p.JsonName);

    // Found once: reflection per volume per request is needless work on the create path.
    private static readonly (System.Reflection.PropertyInfo Property, string JsonName)[] VolumeSourceProperties =
        typeof(V1Volume).GetProperties()
            .Where(p => p.Name != nameof(V1Volume.Name))
            .Select(p => (p, p.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), false)
                .OfType<System.Text.Json.Serialization.JsonPropertyNameAttribute>().FirstOrDefault()?.Name ?? p.Name))
            .ToArray();

    private static void CopyLimitsToRequests(V1ResourceRequirements? resources)
    {
        if (resources?.Limits is not { Count: > 0 } limits)
        {
            return;
        }

        resources.Requests ??= new Dictionary<string, ResourceQuantity>();
        foreach (var (name, quantity) in limits)
        {
            resources.Requests.TryAdd(name, quantity);
        }
    }

    /// <summary>Init containers then containers.</summary>
    public static IEnumerable<V1Container> AllContainers(V1PodSpec spec) => (spec.InitContainers ?? []).Concat(spec.Containers ?? []);
}
