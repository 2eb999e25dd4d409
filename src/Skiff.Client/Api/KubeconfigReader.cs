using System.Globalization;
using k8s.KubeConfigModels;
using YamlDotNet.RepresentationModel;

namespace Skiff.Client.Api;

/// <summary>
/// Reads a kubeconfig into the official client's <see cref="K8SConfiguration"/> from YAML's node tree, without the
/// reflection-based YAML binding <c>KubernetesClientConfiguration.BuildConfigFromConfigFile</c> uses: a NativeAOT
/// build (<c>skiff-dns</c>) has no metadata for that binding and fails in its type initializer. What it does with
/// the model afterwards (TLS, certificates, tokens, relative paths) stays the official client's
/// (<c>BuildConfigFromConfigObject</c>). The fields are the ones of client-go's <c>clientcmd/api/v1</c> that the
/// official client reads; <c>auth-provider</c> and extensions are left out.
/// </summary>
public static class KubeconfigReader
{
    /// <exception cref="FormatException">The file is not a kubeconfig (not a YAML mapping, or a list entry without a
    /// name).</exception>
    public static K8SConfiguration Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var fullPath = Path.GetFullPath(path);
        using var text = new StreamReader(fullPath);
        var config = Parse(text);
        config.FileName = fullPath; // relative certificate and key paths resolve against the file's directory
        return config;
    }

    public static K8SConfiguration Parse(TextReader text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var yaml = new YamlStream();
        yaml.Load(text);
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException("a kubeconfig is a YAML mapping");
        }

        return new K8SConfiguration
        {
            ApiVersion = Text(root, "apiVersion"),
            Kind = Text(root, "kind"),
            CurrentContext = Text(root, "current-context"),
            Clusters = Named(root, "clusters", "cluster", (name, c) => new Cluster
            {
                Name = name,
                ClusterEndpoint = c is null ? null : new ClusterEndpoint
                {
                    Server = Text(c, "server"),
                    CertificateAuthority = Text(c, "certificate-authority"),
                    CertificateAuthorityData = Text(c, "certificate-authority-data"),
                    TlsServerName = Text(c, "tls-server-name"),
                    SkipTlsVerify = Flag(c, "insecure-skip-tls-verify"),
                },
            }),
            Contexts = Named(root, "contexts", "context", (name, c) => new Context
            {
                Name = name,
                ContextDetails = c is null ? null : new ContextDetails
                {
                    Cluster = Text(c, "cluster"),
                    User = Text(c, "user"),
                    Namespace = Text(c, "namespace"),
                },
            }),
            Users = Named(root, "users", "user", (name, u) => new User
            {
                Name = name,
                UserCredentials = u is null ? null : new UserCredentials
                {
                    ClientCertificate = Text(u, "client-certificate"),
                    ClientCertificateData = Text(u, "client-certificate-data"),
                    ClientKey = Text(u, "client-key"),
                    ClientKeyData = Text(u, "client-key-data"),
                    Token = Text(u, "token"),
                    UserName = Text(u, "username"),
                    Password = Text(u, "password"),
                    Impersonate = Text(u, "as"),
                    ImpersonateGroups = Sequence(u, "as-groups")?.Select(ScalarText).ToArray() ?? [],
                    ExternalExecution = Child(u, "exec") is { } exec ? Exec(exec) : null,
                },
            }),
        };
    }

    private static ExternalExecution Exec(YamlMappingNode exec) => new()
    {
        ApiVersion = Text(exec, "apiVersion"),
        Command = Text(exec, "command"),
        Arguments = Sequence(exec, "args")?.Select(ScalarText).ToList(),
        EnvironmentVariables = Sequence(exec, "env")?.OfType<YamlMappingNode>()
            .Select(e => new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["name"] = Text(e, "name") ?? string.Empty,
                ["value"] = Text(e, "value") ?? string.Empty,
            })
            .ToList(),
        InstallHint = Text(exec, "installHint"),
        ProvideClusterInfo = Flag(exec, "provideClusterInfo"),
    };

    // clusters, contexts and users are lists of {name, <body>}.
    private static List<T> Named<T>(YamlMappingNode root, string list, string body, Func<string, YamlMappingNode?, T> build)
    {
        var items = Sequence(root, list);
        if (items is null)
        {
            return [];
        }

        var result = new List<T>(items.Children.Count);
        foreach (var item in items)
        {
            if (item is not YamlMappingNode entry || Text(entry, "name") is not { Length: > 0 } name)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"kubeconfig: an entry of {list} without a name"));
            }

            result.Add(build(name, Child(entry, body)));
        }

        return result;
    }

    private static YamlNode? Value(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

    private static YamlMappingNode? Child(YamlMappingNode map, string key) => Value(map, key) as YamlMappingNode;

    private static YamlSequenceNode? Sequence(YamlMappingNode map, string key) => Value(map, key) as YamlSequenceNode;

    // A null scalar (`key:` or `key: null`) is an absent value, as in the official client's binding.
    private static string? Text(YamlMappingNode map, string key) =>
        Value(map, key) is YamlScalarNode { Value: { } value } scalar && !IsNull(scalar) ? value : null;

    private static string ScalarText(YamlNode node) => node is YamlScalarNode { Value: { } value } ? value : string.Empty;

    private static bool Flag(YamlMappingNode map, string key) =>
        Text(map, key) is { } value && bool.TryParse(value, out var flag) && flag;

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && scalar.Value is "" or "~" or "null" or "Null" or "NULL";
}
