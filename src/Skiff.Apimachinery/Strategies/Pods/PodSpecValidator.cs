using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Pods;

/// <summary>
/// Kubernetes' <c>ValidatePodSpec</c> for the rules clients meet in practice, with upstream's paths and messages:
/// volumes, containers (names, images, ports, env, mounts, resources, policies), restart and DNS policy, node and
/// service-account names, tolerations. Used for pods (<c>spec</c>) and pod templates (<c>spec.template.spec</c>).
/// </summary>
public static class PodSpecValidator
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] TerminationMessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] TolerationOperators = ["Equal", "Exists"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public static IReadOnlyList<FieldError> Validate(V1PodSpec? spec, string path)
    {
        var errors = new List<FieldError>();
        if (spec is null)
        {
            errors.Add(FieldErrors.Required(path));
            return errors;
        }

        var volumes = ValidateVolumes(spec.Volumes, $"{path}.volumes", errors);
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        ValidateContainers(spec.InitContainers, $"{path}.initContainers", volumes, containerNames, errors, required: false);
        ValidateContainers(spec.Containers, $"{path}.containers", volumes, containerNames, errors, required: true);

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            errors.Add(FieldErrors.Required($"{path}.restartPolicy"));
        }
        else if (!RestartPolicies.Contains(spec.RestartPolicy))
        {
            errors.Add(FieldErrors.NotSupported($"{path}.restartPolicy", spec.RestartPolicy, RestartPolicies));
        }

        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            errors.Add(FieldErrors.Required($"{path}.dnsPolicy"));
        }
        else if (!DnsPolicies.Contains(spec.DnsPolicy))
        {
            errors.Add(FieldErrors.NotSupported($"{path}.dnsPolicy", spec.DnsPolicy, DnsPolicies));
        }
        else if (spec.DnsPolicy == "None" && spec.DnsConfig is null)
        {
            errors.Add(FieldErrors.Required($"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None"));
        }

        if (spec.ActiveDeadlineSeconds is { } deadline && (deadline < 1 || deadline > int.MaxValue))
        {
            errors.Add(FieldErrors.Invalid($"{path}.activeDeadlineSeconds", deadline, NameRules.InclusiveRangeError(1, int.MaxValue)));
        }

        if (!string.IsNullOrEmpty(spec.NodeName))
        {
            errors.AddRange(FieldErrors.InvalidEach($"{path}.nodeName", spec.NodeName, NameRules.Dns1123Subdomain(spec.NodeName)));
        }

        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            errors.AddRange(FieldErrors.InvalidEach($"{path}.serviceAccountName", spec.ServiceAccountName, NameRules.Dns1123Subdomain(spec.ServiceAccountName)));
        }

        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            errors.AddRange(FieldErrors.InvalidEach($"{path}.hostname", spec.Hostname, NameRules.Dns1123Label(spec.Hostname)));
        }

        if (!string.IsNullOrEmpty(spec.Subdomain))
        {
            errors.AddRange(FieldErrors.InvalidEach($"{path}.subdomain", spec.Subdomain, NameRules.Dns1123Label(spec.Subdomain)));
        }

        errors.AddRange(ObjectMetaValidator.ValidateLabels(spec.NodeSelector, $"{path}.nodeSelector"));
        ValidateTolerations(spec.Tolerations, $"{path}.tolerations", errors);
        return errors;
    }

    private static HashSet<string> ValidateVolumes(IList<V1Volume>? volumes, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var volume = volumes![i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(volume.Name))
            {
                errors.Add(FieldErrors.Required($"{at}.name"));
            }
            else
            {
                errors.AddRange(FieldErrors.InvalidEach($"{at}.name", volume.Name, NameRules.Dns1123Label(volume.Name)));
                if (!names.Add(volume.Name))
                {
                    errors.Add(FieldErrors.Duplicate($"{at}.name", volume.Name));
                }
            }

            var sources = PodDefaults.VolumeSources(volume).ToList();
            if (sources.Count == 0)
            {
                errors.Add(FieldErrors.Required(at, "must specify a volume type"));
            }
            else if (sources.Count > 1)
            {
                errors.Add(FieldErrors.Forbidden($"{at}.{sources[1]}", "may not specify more than 1 volume type"));
            }

            if (volume.HostPath is { } hostPath && string.IsNullOrEmpty(hostPath.Path))
            {
                errors.Add(FieldErrors.Required($"{at}.hostPath.path"));
            }

            if (volume.Secret is { } secret && string.IsNullOrEmpty(secret.SecretName))
            {
                errors.Add(FieldErrors.Required($"{at}.secret.secretName"));
            }

            if (volume.ConfigMap is { } configMap && string.IsNullOrEmpty(configMap.Name))
            {
                errors.Add(FieldErrors.Required($"{at}.configMap.name"));
            }

            if (volume.PersistentVolumeClaim is { } claim && string.IsNullOrEmpty(claim.ClaimName))
            {
                errors.Add(FieldErrors.Required($"{at}.persistentVolumeClaim.claimName"));
            }
        }

        return names;
    }

    private static void ValidateContainers(
        IList<V1Container>? containers, string path, HashSet<string> volumes, HashSet<string> names, List<FieldError> errors, bool required)
    {
        if (containers is null || containers.Count == 0)
        {
            if (required)
            {
                errors.Add(FieldErrors.Required(path));
            }

            return;
        }

        for (var i = 0; i < containers.Count; i++)
        {
            var container = containers[i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(container.Name))
            {
                errors.Add(FieldErrors.Required($"{at}.name"));
            }
            else
            {
                errors.AddRange(FieldErrors.InvalidEach($"{at}.name", container.Name, NameRules.Dns1123Label(container.Name)));
                if (!names.Add(container.Name))
                {
                    errors.Add(FieldErrors.Duplicate($"{at}.name", container.Name));
                }
            }

            if (string.IsNullOrEmpty(container.Image))
            {
                errors.Add(FieldErrors.Required($"{at}.image"));
            }
            else if (container.Image.Trim() != container.Image)
            {
                errors.Add(FieldErrors.Invalid($"{at}.image", container.Image, "must not have leading or trailing whitespace"));
            }

            if (string.IsNullOrEmpty(container.ImagePullPolicy))
            {
                errors.Add(FieldErrors.Required($"{at}.imagePullPolicy"));
            }
            else if (!PullPolicies.Contains(container.ImagePullPolicy))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.imagePullPolicy", container.ImagePullPolicy, PullPolicies));
            }

            if (!string.IsNullOrEmpty(container.TerminationMessagePolicy) && !TerminationMessagePolicies.Contains(container.TerminationMessagePolicy))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.terminationMessagePolicy", container.TerminationMessagePolicy, TerminationMessagePolicies));
            }

            ValidatePorts(container.Ports, $"{at}.ports", errors);
            ValidateEnv(container.Env, $"{at}.env", errors);
            ValidateMounts(container.VolumeMounts, $"{at}.volumeMounts", volumes, errors);
            ValidateResources(container.Resources, $"{at}.resources", errors);
        }
    }

    private static void ValidatePorts(IList<V1ContainerPort>? ports, string path, List<FieldError> errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var at = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                errors.AddRange(FieldErrors.InvalidEach($"{at}.name", port.Name, PortNameErrors(port.Name)));
                if (!names.Add(port.Name))
                {
                    errors.Add(FieldErrors.Duplicate($"{at}.name", port.Name));
                }
            }

            if (port.ContainerPort == 0)
            {
                errors.Add(FieldErrors.Required($"{at}.containerPort"));
            }
            else
            {
                errors.AddRange(NameRules.PortNumber(port.ContainerPort).Select(m => FieldErrors.Invalid($"{at}.containerPort", port.ContainerPort, m)));
            }

            if (port.HostPort is { } hostPort and not 0)
            {
                errors.AddRange(NameRules.PortNumber(hostPort).Select(m => FieldErrors.Invalid($"{at}.hostPort", hostPort, m)));
            }

            if (string.IsNullOrEmpty(port.Protocol))
            {
                errors.Add(FieldErrors.Required($"{at}.protocol"));
            }
            else if (!Protocols.Contains(port.Protocol))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.protocol", port.Protocol, Protocols));
            }
        }
    }

    /// <summary>IsValidPortName: at most 15 characters, lower-case alphanumerics and '-', at least one letter, no
    /// leading, trailing or double '-'.</summary>
    public static IReadOnlyList<string> PortNameErrors(string name)
    {
        var errors = new List<string>();
        if (name.Length > 15)
        {
            errors.Add(NameRules.MaxLengthError(15));
        }

        if (!name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            errors.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }

        if (!name.Any(c => c is >= 'a' and <= 'z'))
        {
            errors.Add("must contain at least one letter (a-z)");
        }

        if (name.Contains("--", StringComparison.Ordinal))
        {
            errors.Add("must not contain consecutive hyphens");
        }

        if (name.Length > 0 && (name[0] == '-' || name[^1] == '-'))
        {
            errors.Add("must not begin or end with a hyphen");
        }

        return errors;
    }

    private static void ValidateEnv(IList<V1EnvVar>? env, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var variable = env![i];
            if (string.IsNullOrEmpty(variable.Name))
            {
                errors.Add(FieldErrors.Required($"{path}[{i}].name"));
            }
            else
            {
                errors.AddRange(FieldErrors.InvalidEach($"{path}[{i}].name", variable.Name, NameRules.EnvVarName(variable.Name)));
            }

            if (variable.ValueFrom is not null && !string.IsNullOrEmpty(variable.Value))
            {
                errors.Add(FieldErrors.Invalid($"{path}[{i}].valueFrom", "", "may not be specified when `value` is not empty"));
            }
        }
    }

    private static void ValidateMounts(IList<V1VolumeMount>? mounts, string path, HashSet<string> volumes, List<FieldError> errors)
    {
        var mountPaths = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var mount = mounts![i];
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(mount.Name))
            {
                errors.Add(FieldErrors.Required($"{at}.name"));
            }
            else if (!volumes.Contains(mount.Name))
            {
                errors.Add(FieldErrors.NotFound($"{at}.name", mount.Name));
            }

            if (string.IsNullOrEmpty(mount.MountPath))
            {
                errors.Add(FieldErrors.Required($"{at}.mountPath"));
            }
            else if (!mountPaths.Add(mount.MountPath))
            {
                errors.Add(FieldErrors.Invalid($"{at}.mountPath", mount.MountPath, "must be unique"));
            }
        }
    }

    private static void ValidateResources(V1ResourceRequirements? resources, string path, List<FieldError> errors)
    {
        if (resources is null)
        {
            return;
        }

        foreach (var (name, quantity) in Sorted(resources.Limits))
        {
            if (quantity.ToDecimal() < 0)
            {
                errors.Add(FieldErrors.Invalid($"{path}.limits[{name}]", quantity.ToString(), "must be greater than or equal to 0"));
            }
        }

        foreach (var (name, quantity) in Sorted(resources.Requests))
        {
            if (quantity.ToDecimal() < 0)
            {
                errors.Add(FieldErrors.Invalid($"{path}.requests[{name}]", quantity.ToString(), "must be greater than or equal to 0"));
            }
            else if (resources.Limits is not null && resources.Limits.TryGetValue(name, out var limit) && limit is not null
                && quantity.ToDecimal() > limit.ToDecimal())
            {
                errors.Add(FieldErrors.Invalid($"{path}.requests[{name}]", quantity.ToString(), $"must be less than or equal to {name} limit of {limit}"));
            }
        }
    }

    private static IEnumerable<KeyValuePair<string, ResourceQuantity>> Sorted(IDictionary<string, ResourceQuantity>? quantities) =>
        (quantities ?? new Dictionary<string, ResourceQuantity>()).Where(q => q.Value is not null).OrderBy(q => q.Key, StringComparer.Ordinal);

    private static void ValidateTolerations(IList<V1Toleration>? tolerations, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (tolerations?.Count ?? 0); i++)
        {
            var toleration = tolerations![i];
            var at = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(toleration.Key))
            {
                errors.AddRange(FieldErrors.InvalidEach($"{at}.key", toleration.Key, NameRules.QualifiedName(toleration.Key)));
            }

            var op = string.IsNullOrEmpty(toleration.OperatorProperty) ? "Equal" : toleration.OperatorProperty;
            if (string.IsNullOrEmpty(toleration.Key) && op != "Exists")
            {
                errors.Add(FieldErrors.Invalid($"{at}.operator", op,
                    "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
            }

            if (!TolerationOperators.Contains(op))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.operator", op, TolerationOperators));
            }
            else if (op == "Exists" && !string.IsNullOrEmpty(toleration.Value))
            {
                errors.Add(FieldErrors.Invalid($"{at}.operator", op, "value must be empty when `operator` is 'Exists'"));
            }

            if (!string.IsNullOrEmpty(toleration.Effect) && !TaintEffects.Contains(toleration.Effect))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.effect", toleration.Effect, TaintEffects));
            }

            if (toleration.TolerationSeconds is not null && toleration.Effect != "NoExecute")
            {
                errors.Add(FieldErrors.Invalid($"{at}.effect", toleration.Effect ?? string.Empty,
                    "effect must be 'NoExecute' when `tolerationSeconds` is set"));
            }
        }
    }
}
