using System.Text;
using k8s.Models;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Sets up a pod's volumes as host directories that containers bind-mount: emptyDir (one directory per pod, shared
/// by its containers), hostPath, and configMap/secret/downwardAPI/projected with files written from the API objects;
/// a projected serviceAccountToken is a token the API server issues for the pod, renewed before it expires.
/// Everything except hostPath lives under <c>&lt;root&gt;/pods/&lt;uid&gt;/volumes</c> and goes with the pod.
/// </summary>
public sealed class VolumeManager(ConfigObjects api, PodPaths paths, ServiceAccountTokenManager? tokens = null)
{
    /// <summary>Upstream's default lifetime of a projected service account token.</summary>
    private const long DefaultTokenExpirationSeconds = 3600;

    /// <summary>Prepares every volume of the pod; returns volume name → host path. Throws
    /// <see cref="ContainerConfigException"/> when a referenced object is missing and not optional.</summary>
    public async Task<IReadOnlyDictionary<string, string>> PrepareAsync(
        V1Pod pod, PodNetworkFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var uid = pod.Metadata.Uid;
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            try
            {
                if (volume.HostPath is { } hostPath)
                {
                    PrepareHostPath(hostPath);
                    result[volume.Name] = hostPath.Path;
                }
                else if (volume.EmptyDir is not null)
                {
                    var dir = PluginDir(uid, "kubernetes.io~empty-dir", volume.Name);
                    if (!Directory.Exists(dir))
                    {
                        Directory.CreateDirectory(dir);
                        // World-writable like Kubernetes' emptyDir, so containers running as any user can share it.
                        SetMode(dir, (UnixFileMode)0x1FF);
                    }

                    result[volume.Name] = dir;
                }
                else if (volume.ConfigMap is { } cmSource)
                {
                    var dir = PluginDir(uid, "kubernetes.io~configmap", volume.Name);
                    var files = await ConfigMapFilesAsync(ns, cmSource.Name, cmSource.Items, cmSource.Optional, cancellationToken);
                    WriteFiles(dir, files, cmSource.DefaultMode);
                    result[volume.Name] = dir;
                }
                else if (volume.Secret is { } secretSource)
                {
                    var dir = PluginDir(uid, "kubernetes.io~secret", volume.Name);
                    var files = await SecretFilesAsync(
                        ns, secretSource.SecretName, secretSource.Items, secretSource.Optional, cancellationToken);
                    WriteFiles(dir, files, secretSource.DefaultMode);
                    result[volume.Name] = dir;
                }
                else if (volume.DownwardAPI is { } downward)
                {
                    var dir = PluginDir(uid, "kubernetes.io~downward-api", volume.Name);
                    WriteFiles(dir, DownwardFiles(pod, downward.Items, facts), downward.DefaultMode);
                    result[volume.Name] = dir;
                }
                else if (volume.Projected is { } projected)
                {
                    var dir = PluginDir(uid, "kubernetes.io~projected", volume.Name);
                    WriteFiles(dir, await ProjectedFilesAsync(pod, ns, projected, facts, cancellationToken), projected.DefaultMode);
                    result[volume.Name] = dir;
                }
                else
                {
                    throw new ContainerConfigException($"volume \"{volume.Name}\" has a type this kubelet does not support");
                }
            }
            catch (ContainerConfigException e) when (e.Volume is null)
            {
                // Name the volume, for the FailedMount event (upstream: MountVolume.SetUp failed for volume "x" : ...).
                throw new ContainerConfigException(e.Message, e) { Volume = volume.Name };
            }
        }

        return result;
    }

    /// <summary>
    /// Writes the pod's projected volumes again when one of their service account tokens is due for renewal (called
    /// on every sync of a running pod; it costs a dictionary scan when nothing is due).
    /// </summary>
    public async Task RefreshTokensAsync(V1Pod pod, PodNetworkFacts facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (tokens is null || !tokens.NeedsRefresh(pod.Metadata.Uid))
        {
            return;
        }

        var ns = pod.Metadata.NamespaceProperty ?? "default";
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.Projected is { } projected && (projected.Sources ?? []).Any(s => s.ServiceAccountToken is not null))
            {
                var dir = PluginDir(pod.Metadata.Uid, "kubernetes.io~projected", volume.Name);
                WriteFiles(dir, await ProjectedFilesAsync(pod, ns, projected, facts, cancellationToken), projected.DefaultMode);
            }
        }
    }

    /// <summary>Removes the pod's directory with its emptyDirs and written volume files.</summary>
    public void Cleanup(string uid)
    {
        tokens?.Forget(uid);
        var dir = paths.PodDir(uid);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<List<VolumeFile>> ProjectedFilesAsync(V1Pod pod, string ns, V1ProjectedVolumeSource projected, PodNetworkFacts facts, CancellationToken cancellationToken)
    {
        var files = new List<VolumeFile>();
        foreach (var source in projected.Sources ?? [])
        {
            if (source.ConfigMap is { } cm)
            {
                files.AddRange(await ConfigMapFilesAsync(ns, cm.Name, cm.Items, cm.Optional, cancellationToken));
            }
            else if (source.Secret is { } secret)
            {
                files.AddRange(await SecretFilesAsync(ns, secret.Name, secret.Items, secret.Optional, cancellationToken));
            }
            else if (source.DownwardAPI is { } downward)
            {
                files.AddRange(DownwardFiles(pod, downward.Items, facts));
            }
            else if (source.ServiceAccountToken is { } token)
            {
                if (tokens is null)
                {
                    throw new ContainerConfigException("service account token projection needs an API server connection");
                }

                var account = string.IsNullOrEmpty(pod.Spec.ServiceAccountName) ? "default" : pod.Spec.ServiceAccountName;
                var value = await tokens.GetAsync(pod, account, token.Audience, token.ExpirationSeconds ?? DefaultTokenExpirationSeconds, cancellationToken);
                files.Add(new VolumeFile(token.Path, System.Text.Encoding.UTF8.GetBytes(value), null));
            }
            else
            {
                throw new ContainerConfigException("only configMap, secret, downwardAPI and serviceAccountToken projections are supported");
            }
        }

        return files;
    }

    private string PluginDir(string uid, string plugin, string volumeName) =>
        Path.Combine(paths.VolumesDir(uid), plugin, volumeName);

    private static void PrepareHostPath(V1HostPathVolumeSource source)
    {
        var path = source.Path;
        switch (source.Type ?? "")
        {
            case "DirectoryOrCreate":
                if (!Directory.Exists(path))
                {
                    Directory.CreateDirectory(path);
                    SetMode(path, (UnixFileMode)0x1ED);
                }

                break;
            case "Directory":
                if (!Directory.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} is not a directory");
                }

                break;
            case "FileOrCreate":
                if (!File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path) ?? "/");
                    using (File.Create(path))
                    {
                    }

                    SetMode(path, (UnixFileMode)0x1A4);
                }

                break;
            case "File":
                if (!File.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} is not a file");
                }

                break;
            case "Socket":
            case "CharDevice":
            case "BlockDevice":
                if (!File.Exists(path))
                {
                    throw new ContainerConfigException($"hostPath type check failed: {path} does not exist");
                }

                break;
        }
    }

    private async Task<IEnumerable<VolumeFile>> ConfigMapFilesAsync(
        string ns, string name, IList<V1KeyToPath>? items, bool? optional, CancellationToken cancellationToken)
    {
        var cm = await api.GetConfigMapAsync(ns, name, cancellationToken);
        if (cm is null)
        {
            return optional == true ? [] : throw new ContainerConfigException($"configmap \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in cm.Data ?? new Dictionary<string, string>())
        {
            data[key] = Encoding.UTF8.GetBytes(value);
        }

        foreach (var (key, value) in cm.BinaryData ?? new Dictionary<string, byte[]>())
        {
            data[key] = value;
        }

        return Select(data, items, optional, $"configmap \"{name}\"");
    }

    private async Task<IEnumerable<VolumeFile>> SecretFilesAsync(
        string ns, string name, IList<V1KeyToPath>? items, bool? optional, CancellationToken cancellationToken)
    {
        var secret = await api.GetSecretAsync(ns, name, cancellationToken);
        if (secret is null)
        {
            return optional == true ? [] : throw new ContainerConfigException($"secret \"{name}\" not found");
        }

        var data = new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal);
        foreach (var (key, value) in secret.StringData ?? new Dictionary<string, string>())
        {
            data[key] = Encoding.UTF8.GetBytes(value);
        }

        return Select(data, items, optional, $"secret \"{name}\"");
    }

    private static List<VolumeFile> Select(
        Dictionary<string, byte[]> data, IList<V1KeyToPath>? items, bool? optional, string what)
    {
        if (items is null || items.Count == 0)
        {
            return data.Select(kv => new VolumeFile(kv.Key, kv.Value, null)).ToList();
        }

        var files = new List<VolumeFile>();
        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var bytes))
            {
                if (optional == true)
                {
                    continue;
                }

                throw new ContainerConfigException($"{what} has no key \"{item.Key}\"");
            }

            files.Add(new VolumeFile(item.Path, bytes, item.Mode));
        }

        return files;
    }

    private static List<VolumeFile> DownwardFiles(V1Pod pod, IList<V1DownwardAPIVolumeFile>? items, PodNetworkFacts facts)
    {
        var files = new List<VolumeFile>();
        foreach (var item in items ?? [])
        {
            string? value = null;
            if (item.FieldRef is { } fieldRef)
            {
                value = EnvironmentBuilder.FieldValue(pod, fieldRef.FieldPath, facts);
            }
            else if (item.ResourceFieldRef is { } resourceRef)
            {
                var container = (pod.Spec.Containers ?? []).FirstOrDefault(c => c.Name == resourceRef.ContainerName);
                value = container is null ? null : EnvironmentBuilder.ResourceValue(container, resourceRef, facts);
            }

            if (value is null)
            {
                throw new ContainerConfigException($"downwardAPI item \"{item.Path}\": unsupported field");
            }

            files.Add(new VolumeFile(item.Path, Encoding.UTF8.GetBytes(value), item.Mode));
        }

        return files;
    }

    /// <summary>Writes the files, replacing changed ones and removing ones no longer projected.</summary>
    private static void WriteFiles(string dir, IEnumerable<VolumeFile> files, int? defaultMode)
    {
        Directory.CreateDirectory(dir);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var relative = file.Path.TrimStart('/');
            if (relative.Split('/').Contains(".."))
            {
                throw new ContainerConfigException($"volume file path \"{file.Path}\" must not contain '..'");
            }

            var path = Path.Combine(dir, relative);
            wanted.Add(Path.GetFullPath(path));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(file.Content))
            {
                var temp = path + ".tmp";
                File.WriteAllBytes(temp, file.Content);
                File.Move(temp, path, overwrite: true);
            }

            SetMode(path, (UnixFileMode)(file.Mode ?? defaultMode ?? 0x1A4));
        }

        foreach (var existing in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories))
        {
            if (!wanted.Contains(Path.GetFullPath(existing)))
            {
                File.Delete(existing);
            }
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private sealed record VolumeFile(string Path, byte[] Content, int? Mode);
}
