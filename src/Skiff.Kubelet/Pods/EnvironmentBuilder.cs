using System.Globalization;
using System.Text;
using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>Resolves a container's environment: envFrom, then env (later names win), with valueFrom fieldRef,
/// resourceFieldRef, configMapKeyRef and secretKeyRef read from the API, and <c>$(VAR)</c> expansion; then, as
/// upstream's kubelet, the Service variables the container did not set itself (they can be expanded in env too).</summary>
public sealed class EnvironmentBuilder(ConfigObjects api, ServiceEnvironment? services = null)
{
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> BuildAsync(
        V1Pod pod, V1Container container, PodNetworkFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var configMaps = new Dictionary<string, V1ConfigMap?>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, V1Secret?>(StringComparer.Ordinal);
        var env = new List<KeyValuePair<string, string>>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var serviceVariables = services is null ? [] : await services.ForAsync(pod, cancellationToken);
        foreach (var (name, value) in serviceVariables)
        {
            values[name] = value;
        }

        void Set(string name, string value)
        {
            var index = env.FindIndex(e => e.Key == name);
            if (index >= 0)
            {
                env[index] = new(name, value);
            }
            else
            {
                env.Add(new(name, value));
            }

            values[name] = value;
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } cmRef)
            {
                var cm = await ConfigMapAsync(ns, cmRef.Name, configMaps, cancellationToken);
                if (cm is null)
                {
                    if (cmRef.Optional != true)
                    {
                        throw new ContainerConfigException($"configmap \"{cmRef.Name}\" not found");
                    }

                    continue;
                }

                foreach (var (key, value) in cm.Data ?? new Dictionary<string, string>())
                {
                    Set(prefix + key, value);
                }
            }

            if (source.SecretRef is { } secretRef)
            {
                var secret = await SecretAsync(ns, secretRef.Name, secrets, cancellationToken);
                if (secret is null)
                {
                    if (secretRef.Optional != true)
                    {
                        throw new ContainerConfigException($"secret \"{secretRef.Name}\" not found");
                    }

                    continue;
                }

                foreach (var (key, value) in secret.Data ?? new Dictionary<string, byte[]>())
                {
                    Set(prefix + key, Encoding.UTF8.GetString(value));
                }
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            if (variable.ValueFrom is null)
            {
                Set(variable.Name, VariableExpansion.Expand(variable.Value ?? "", name => values.GetValueOrDefault(name)));
                continue;
            }

            var from = variable.ValueFrom;
            string? resolved;
            if (from.FieldRef is { } fieldRef)
            {
                resolved = FieldValue(pod, fieldRef.FieldPath, facts);
            }
            else if (from.ResourceFieldRef is { } resourceRef)
            {
                var target = string.IsNullOrEmpty(resourceRef.ContainerName)
                    ? container
                    : (pod.Spec.Containers ?? []).FirstOrDefault(c => c.Name == resourceRef.ContainerName) ?? container;
                resolved = ResourceValue(target, resourceRef, facts);
            }
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var cm = await ConfigMapAsync(ns, cmKey.Name, configMaps, cancellationToken);
                resolved = cm?.Data?.TryGetValue(cmKey.Key, out var value) == true ? value : null;
                if (resolved is null && cmKey.Optional != true)
                {
                    throw new ContainerConfigException(cm is null
                        ? $"configmap \"{cmKey.Name}\" not found"
                        : $"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                }
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                var secret = await SecretAsync(ns, secretKey.Name, secrets, cancellationToken);
                resolved = secret?.Data?.TryGetValue(secretKey.Key, out var bytes) == true
                    ? Encoding.UTF8.GetString(bytes)
                    : null;
                if (resolved is null && secretKey.Optional != true)
                {
                    throw new ContainerConfigException(secret is null
                        ? $"secret \"{secretKey.Name}\" not found"
                        : $"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
                }
            }
            else
            {
                resolved = null;
            }

            if (resolved is not null)
            {
                Set(variable.Name, resolved);
            }
        }

        var declared = env.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        env.AddRange(serviceVariables.Where(v => !declared.Contains(v.Key)));
        return env;
    }

    /// <summary>The value of a downward-API field path, or null for a path the kubelet does not know.</summary>
    public static string? FieldValue(V1Pod pod, string path, PodNetworkFacts facts)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(path);
        var meta = pod.Metadata;
        switch (path)
        {
            case "metadata.name":
                return meta.Name;
            case "metadata.namespace":
                return meta.NamespaceProperty ?? "default";
            case "metadata.uid":
                return meta.Uid;
            case "metadata.labels":
                return FormatMap(meta.Labels);
            case "metadata.annotations":
                return FormatMap(meta.Annotations);
            case "spec.nodeName":
                return pod.Spec.NodeName ?? facts.NodeName;
            case "spec.serviceAccountName":
                return pod.Spec.ServiceAccountName ?? "";
            case "status.hostIP":
            case "status.hostIPs":
                return facts.HostIp;
            case "status.podIP":
            case "status.podIPs":
                return facts.PodIp ?? "";
        }

        foreach (var (prefix, map) in new[] { ("metadata.labels['", meta.Labels), ("metadata.annotations['", meta.Annotations) })
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
            {
                var key = path[prefix.Length..^2];
                return map?.TryGetValue(key, out var value) == true ? value : "";
            }
        }

        return null;
    }

    /// <summary>Labels/annotations as the downward API writes them: sorted <c>key="value"</c> lines.</summary>
    public static string FormatMap(IDictionary<string, string>? map) =>
        string.Join('\n', (map ?? new Dictionary<string, string>())
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => $"{kv.Key}=\"{kv.Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}\""));

    /// <summary>limits/requests of cpu or memory, divided by the divisor and rounded up as Kubernetes does; an unset
    /// limit reports the node's allocatable.</summary>
    public static string? ResourceValue(V1Container container, V1ResourceFieldSelector selector, PodNetworkFacts facts)
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(selector);
        var parts = selector.Resource.Split('.', 2);
        if (parts.Length != 2)
        {
            return null;
        }

        var source = parts[0] == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        decimal? amount = source is not null && source.TryGetValue(parts[1], out var q) ? q.ToDecimal() : null;
        if (amount is null && parts[0] == "limits")
        {
            amount = parts[1] switch
            {
                "cpu" => facts.NodeCpu,
                "memory" => facts.NodeMemoryBytes,
                _ => null,
            };
        }

        amount ??= 0;
        var divisor = selector.Divisor?.ToDecimal() ?? 1;
        if (divisor == 0)
        {
            divisor = 1;
        }

        return ((long)Math.Ceiling(amount.Value / divisor)).ToString(CultureInfo.InvariantCulture);
    }

    private async Task<V1ConfigMap?> ConfigMapAsync(
        string ns, string name, Dictionary<string, V1ConfigMap?> cache, CancellationToken cancellationToken)
    {
        if (!cache.TryGetValue(name, out var cm))
        {
            cm = await api.GetConfigMapAsync(ns, name, cancellationToken);
            cache[name] = cm;
        }

        return cm;
    }

    private async Task<V1Secret?> SecretAsync(
        string ns, string name, Dictionary<string, V1Secret?> cache, CancellationToken cancellationToken)
    {
        if (!cache.TryGetValue(name, out var secret))
        {
            secret = await api.GetSecretAsync(ns, name, cancellationToken);
            cache[name] = secret;
        }

        return secret;
    }
}
