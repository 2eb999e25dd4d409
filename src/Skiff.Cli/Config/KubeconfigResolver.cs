using k8s;
using k8s.KubeConfigModels;

namespace Skiff.Cli.Config;

/// <summary>The connection flags every command shares (<c>--kubeconfig</c>, <c>--context</c>, <c>-n</c>).</summary>
public sealed record ConnectionFlags(string? Kubeconfig, string? Context, string? Namespace);

/// <summary>A resolved kubeconfig: the client configuration and the namespace commands default to.</summary>
public sealed record ResolvedConfig(KubernetesClientConfiguration Client, string Namespace, bool NamespaceFromFlag);

/// <summary>
/// Finds the kubeconfig the way kubectl does: <c>--kubeconfig</c> (one file), else every file of <c>KUBECONFIG</c>
/// (colon separated, merged, the first file wins), else <c>~/.kube/config</c>; then picks <c>--context</c> or the
/// current context, and the namespace from <c>-n</c>, the context, or <c>default</c>.
/// </summary>
public static class KubeconfigResolver
{
    public static IReadOnlyList<string> ConfigPaths(string? kubeconfigFlag, string? kubeconfigEnv, string home)
    {
        if (!string.IsNullOrEmpty(kubeconfigFlag))
        {
            return [kubeconfigFlag];
        }

        if (!string.IsNullOrEmpty(kubeconfigEnv))
        {
            // Missing files in KUBECONFIG are ignored, as kubectl does; duplicates count once.
            return kubeconfigEnv.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Distinct(StringComparer.Ordinal)
                .Where(File.Exists)
                .ToList();
        }

        return [Path.Combine(home, ".kube", "config")];
    }

    public static async Task<ResolvedConfig> ResolveAsync(ConnectionFlags flags, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(flags);
        ArgumentNullException.ThrowIfNull(environment);
        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var paths = ConfigPaths(flags.Kubeconfig, environment("KUBECONFIG"), home);
        if (!string.IsNullOrEmpty(flags.Kubeconfig) && !File.Exists(flags.Kubeconfig))
        {
            throw new CliException($"stat {flags.Kubeconfig}: no such file or directory");
        }

        var existing = paths.Where(File.Exists).Select(p => new FileInfo(p)).ToArray();
        if (existing.Length == 0)
        {
            throw new CliException("The connection to the server localhost:8080 was refused - did you specify the right host or port?");
        }

        var merged = await LoadMergedAsync(existing);
        var contextName = string.IsNullOrEmpty(flags.Context) ? merged.CurrentContext : flags.Context;
        if (string.IsNullOrEmpty(contextName))
        {
            throw new CliException("current-context is not set");
        }

        var context = merged.Contexts?.FirstOrDefault(c => c.Name == contextName)
            ?? throw new CliException($"context was not found for specified context: {contextName}");
        var client = KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, contextName);
        var ns = NamespaceFor(flags.Namespace, context);
        return new ResolvedConfig(client, ns, !string.IsNullOrEmpty(flags.Namespace));
    }

    /// <summary>Merges several kubeconfig files: the first file to define a name (or current-context) wins.</summary>
    private static async Task<K8SConfiguration> LoadMergedAsync(FileInfo[] files)
    {
        var merged = await KubernetesClientConfiguration.LoadKubeConfigAsync(files[0], true);
        foreach (var file in files.Skip(1))
        {
            var next = await KubernetesClientConfiguration.LoadKubeConfigAsync(file, true);
            if (string.IsNullOrEmpty(merged.CurrentContext))
            {
                merged.CurrentContext = next.CurrentContext;
            }

            merged.Clusters = Union(merged.Clusters, next.Clusters, c => c.Name);
            merged.Users = Union(merged.Users, next.Users, u => u.Name);
            merged.Contexts = Union(merged.Contexts, next.Contexts, c => c.Name);
        }

        return merged;
    }

    private static List<T> Union<T>(IEnumerable<T>? first, IEnumerable<T>? second, Func<T, string> name)
    {
        var result = (first ?? []).ToList();
        result.AddRange((second ?? []).Where(item => result.All(existing => name(existing) != name(item))));
        return result;
    }

    internal static string NamespaceFor(string? flag, Context context) =>
        !string.IsNullOrEmpty(flag) ? flag
        : !string.IsNullOrEmpty(context.ContextDetails?.Namespace) ? context.ContextDetails.Namespace
        : "default";
}
