using System.Text.Json.Nodes;
using Skiff.Api.Text;
using Skiff.Apimachinery;

namespace Skiff.ApiServer.Encryption;

/// <summary>
/// kube-apiserver's <c>--encryption-provider-config</c> file (<c>apiserver.config.k8s.io/v1</c>
/// EncryptionConfiguration): per group of resources, the providers aescbc, aesgcm, secretbox and identity with their
/// named base64 keys. Resolved to storage prefixes, so the store wrapper knows which values to transform.
/// </summary>
public sealed class EncryptionConfiguration
{
    private EncryptionConfiguration(IReadOnlyList<(string StoragePrefix, ProviderChain Chain)> rules) => Rules = rules;

    /// <summary>Storage prefix → providers, first match wins (upstream: the first rule naming a resource).</summary>
    public IReadOnlyList<(string StoragePrefix, ProviderChain Chain)> Rules { get; }

    public static EncryptionConfiguration Load(string path, IEnumerable<ResourceDefinition> resources) =>
        Parse(File.ReadAllText(path), resources);

    public static EncryptionConfiguration Parse(string yaml, IEnumerable<ResourceDefinition> resources)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var definitions = resources.Where(d => d.StorageConversion is null).ToList();
        var root = JsonNode.Parse(YamlToJson.Convert(System.Text.Encoding.UTF8.GetBytes(yaml))) as JsonObject
            ?? throw new FormatException("the encryption configuration is not a YAML object");
        if ((string?)root["kind"] != "EncryptionConfiguration")
        {
            throw new FormatException($"the encryption configuration's kind is '{root["kind"]}', not EncryptionConfiguration");
        }

        var rules = new List<(string, ProviderChain)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in root["resources"]?.AsArray() ?? [])
        {
            var chain = new ProviderChain([.. (rule?["providers"]?.AsArray() ?? []).SelectMany(Providers)]);
            if (chain.Providers.Count == 0)
            {
                throw new FormatException("every resources entry needs at least one provider");
            }

            foreach (var name in rule?["resources"]?.AsArray().Select(n => (string?)n ?? string.Empty) ?? [])
            {
                foreach (var definition in definitions.Where(d => d.Stored && Matches(name, d)))
                {
                    if (taken.Add(definition.StoragePrefix))
                    {
                        rules.Add((definition.StoragePrefix, chain));
                    }
                }
            }
        }

        return new EncryptionConfiguration(rules);
    }

    /// <summary>The providers for the value stored at <paramref name="key"/>, or null when it is stored as is.</summary>
    public ProviderChain? For(string key)
    {
        foreach (var (prefix, chain) in Rules)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return chain;
            }
        }

        return null;
    }

    /// <summary><c>secrets</c> (core), <c>deployments.apps</c>, <c>*.apps</c> (a whole group), <c>*.</c> (all of
    /// core), <c>*.*</c> (everything).</summary>
    private static bool Matches(string name, ResourceDefinition d)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var resource = dot < 0 ? name : name[..dot];
        var group = dot < 0 ? string.Empty : name[(dot + 1)..];
        return (resource == "*" || resource == d.Plural) && (group == "*" || group == d.Group);
    }

    /// <summary>One transformer per key of a provider: the first key writes, every key reads (key rotation).</summary>
    private static IEnumerable<IValueTransformer> Providers(JsonNode? node)
    {
        var provider = node as JsonObject ?? throw new FormatException("a provider must be an object");
        var (kind, settings) = provider.Single();
        if (kind == "identity")
        {
            return [new IdentityTransformer()];
        }

        var keys = settings?["keys"]?.AsArray() ?? [];
        if (keys.Count == 0)
        {
            throw new FormatException($"the {kind} provider needs at least one key");
        }

        return keys.Select(key => Provider(kind, key)).ToList();
    }

    private static IValueTransformer Provider(string kind, JsonNode? key)
    {
        key ??= new JsonObject();
        var name = (string?)key["name"] ?? throw new FormatException($"a key of the {kind} provider has no name");
        var secret = Convert.FromBase64String((string?)key["secret"] ?? throw new FormatException($"the {kind} key {name} has no secret"));
        return kind switch
        {
            "aesgcm" when secret.Length is 16 or 24 or 32 => new AesGcmTransformer(name, secret),
            "aescbc" when secret.Length == 32 => new AesCbcTransformer(name, secret),
            "secretbox" when secret.Length == 32 => new SecretboxTransformer(name, secret),
            "aesgcm" or "aescbc" or "secretbox" => throw new FormatException($"the {kind} key {name} is {secret.Length} bytes long, which {kind} does not take"),
            _ => throw new FormatException($"unsupported provider '{kind}' (aescbc, aesgcm, secretbox and identity are)"),
        };
    }
}
