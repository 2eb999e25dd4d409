using k8s.Models;
using static Skiff.ApiServer.Admission.PodSecurity.Wording;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>The restricted level's own checks (the baseline ones apply too), each a pure function of a pod.</summary>
public static class RestrictedChecks
{
    public static CheckResult? AllowPrivilegeEscalation(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var containers = PodContainer.All(spec).Where(c => c.SecurityContext?.AllowPrivilegeEscalation != false).Select(c => c.Name).ToList();
        return containers.Count == 0
            ? null
            : new CheckResult("allowPrivilegeEscalation != false", $"{Containers(containers)} must set securityContext.allowPrivilegeEscalation=false");
    }

    public static CheckResult? CapabilitiesRestricted(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var missingDropAll = new List<string>();
        var adding = new List<string>();
        var forbidden = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.Capabilities is not { } caps)
            {
                missingDropAll.Add(c.Name);
                continue;
            }

            if (!(caps.Drop ?? []).Contains("ALL"))
            {
                missingDropAll.Add(c.Name);
            }

            var extra = (caps.Add ?? []).Where(cap => cap != "NET_BIND_SERVICE").ToList();
            if (extra.Count > 0)
            {
                adding.Add(c.Name);
                forbidden.AddRange(extra);
            }
        }

        var details = new List<string>();
        if (missingDropAll.Count > 0)
        {
            details.Add($"{Containers(missingDropAll)} must set securityContext.capabilities.drop=[\"ALL\"]");
        }

        if (adding.Count > 0)
        {
            details.Add($"{Containers(adding)} must not include {JoinQuote(SortedSet(forbidden))} in securityContext.capabilities.add");
        }

        return details.Count == 0 ? null : new CheckResult("unrestricted capabilities", string.Join("; ", details));
    }

    public static CheckResult? RestrictedVolumes(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var names = new List<string>();
        var types = new List<string>();
        foreach (var v in spec.Volumes ?? [])
        {
            if (RestrictedType(v) is { } type)
            {
                names.Add(v.Name ?? string.Empty);
                types.Add(type);
            }
        }

        if (names.Count == 0)
        {
            return null;
        }

        var typeList = SortedSet(types);
        return new CheckResult(
            "restricted volume types",
            $"{Pluralize("volume", "volumes", names.Count)} {JoinQuote(names)} {Pluralize("uses", "use", names.Count)} "
            + $"{Pluralize("restricted volume type", "restricted volume types", typeList.Count)} {JoinQuote(typeList)}");
    }

    public static CheckResult? RunAsNonRoot(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var setters = new List<string>();
        var podNonRoot = false;
        if (spec.SecurityContext?.RunAsNonRoot is { } podValue)
        {
            if (podValue)
            {
                podNonRoot = true;
            }
            else
            {
                setters.Add("pod");
            }
        }

        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.RunAsNonRoot is { } value)
            {
                if (!value)
                {
                    explicitlyBad.Add(c.Name);
                }
            }
            else if (!podNonRoot)
            {
                implicitlyBad.Add(c.Name);
            }
        }

        if (explicitlyBad.Count > 0)
        {
            setters.Add(Containers(explicitlyBad));
        }

        if (setters.Count > 0)
        {
            return new CheckResult("runAsNonRoot != true", $"{string.Join(" and ", setters)} must not set securityContext.runAsNonRoot=false");
        }

        return implicitlyBad.Count == 0
            ? null
            : new CheckResult("runAsNonRoot != true", $"pod or {Containers(implicitlyBad)} must set securityContext.runAsNonRoot=true");
    }

    public static CheckResult? RunAsUser(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var setters = new List<string>();
        if (spec.SecurityContext?.RunAsUser == 0)
        {
            setters.Add("pod");
        }

        var containers = PodContainer.All(spec).Where(c => c.SecurityContext?.RunAsUser == 0).Select(c => c.Name).ToList();
        if (containers.Count > 0)
        {
            setters.Add(Containers(containers));
        }

        return setters.Count == 0 ? null : new CheckResult("runAsUser=0", $"{string.Join(" and ", setters)} must not set runAsUser=0");
    }

    public static CheckResult? SeccompProfileRestricted(V1ObjectMeta meta, V1PodSpec spec, int minor)
    {
        var setters = new List<string>();
        var values = new List<string>();
        var podSet = false;
        if (spec.SecurityContext?.SeccompProfile is { } podProfile)
        {
            if (BaselineChecks.ValidSeccomp(podProfile.Type))
            {
                podSet = true;
            }
            else
            {
                setters.Add("pod");
                values.Add(podProfile.Type ?? string.Empty);
            }
        }

        var explicitlyBad = new List<string>();
        var implicitlyBad = new List<string>();
        foreach (var c in PodContainer.All(spec))
        {
            if (c.SecurityContext?.SeccompProfile is { } profile)
            {
                if (!BaselineChecks.ValidSeccomp(profile.Type))
                {
                    explicitlyBad.Add(c.Name);
                    values.Add(profile.Type ?? string.Empty);
                }
            }
            else if (!podSet)
            {
                implicitlyBad.Add(c.Name);
            }
        }

        if (explicitlyBad.Count > 0)
        {
            setters.Add(Containers(explicitlyBad));
        }

        if (setters.Count > 0)
        {
            return new CheckResult("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {JoinQuote(SortedSet(values))}");
        }

        return implicitlyBad.Count == 0
            ? null
            : new CheckResult("seccompProfile", $"pod or {Containers(implicitlyBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }

    /// <summary>The volume's type when restricted pods may not use it, else null (the allowed types are listed).</summary>
    private static string? RestrictedType(V1Volume v)
    {
        if (v.ConfigMap is not null || v.Csi is not null || v.DownwardAPI is not null || v.EmptyDir is not null || v.Ephemeral is not null
            || v.PersistentVolumeClaim is not null || v.Projected is not null || v.Secret is not null)
        {
            return null;
        }

        return v switch
        {
            { HostPath: not null } => "hostPath",
            { GcePersistentDisk: not null } => "gcePersistentDisk",
            { AwsElasticBlockStore: not null } => "awsElasticBlockStore",
            { GitRepo: not null } => "gitRepo",
            { Nfs: not null } => "nfs",
            { Iscsi: not null } => "iscsi",
            { Glusterfs: not null } => "glusterfs",
            { Rbd: not null } => "rbd",
            { FlexVolume: not null } => "flexVolume",
            { Cinder: not null } => "cinder",
            { Cephfs: not null } => "cephfs",
            { Flocker: not null } => "flocker",
            { Fc: not null } => "fc",
            { AzureFile: not null } => "azureFile",
            { VsphereVolume: not null } => "vsphereVolume",
            { Quobyte: not null } => "quobyte",
            { AzureDisk: not null } => "azureDisk",
            { PortworxVolume: not null } => "portworxVolume",
            { PhotonPersistentDisk: not null } => "photonPersistentDisk",
            { ScaleIO: not null } => "scaleIO",
            { Storageos: not null } => "storageos",
            _ => "unknown",
        };
    }
}
