using Skiff.Cli.Api;
using Skiff.Cli.Config;
using Skiff.Cli.Manifests;

namespace Skiff.Cli.Commands;

/// <summary>A manifest object with its resource and the namespace it goes to.</summary>
public sealed record ManifestTarget(Manifest Manifest, ApiResource Resource, string? Namespace)
{
    public string Display => $"{Resource.KindPrefix}/{Manifest.Name}";
}

/// <summary>Maps manifest objects to resources and namespaces the way kubectl's resource builder does.</summary>
public static class ManifestTargets
{
    public static IReadOnlyList<ManifestTarget> Resolve(IReadOnlyList<Manifest> manifests, Discovery discovery, ResolvedConfig config)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        ArgumentNullException.ThrowIfNull(discovery);
        ArgumentNullException.ThrowIfNull(config);
        var targets = new List<ManifestTarget>();
        foreach (var manifest in manifests)
        {
            ApiResource resource;
            try
            {
                resource = discovery.ForKind(manifest.ApiVersion, manifest.Kind);
            }
            catch (CliException)
            {
                throw new CliException($"resource mapping not found for name: \"{manifest.Name}\" namespace: \"{manifest.Namespace}\" from \"{manifest.Source}\": no matches for kind \"{manifest.Kind}\" in version \"{manifest.ApiVersion}\"\nensure CRDs are installed first");
            }

            string? ns = null;
            if (resource.Namespaced)
            {
                if (!string.IsNullOrEmpty(manifest.Namespace) && config.NamespaceFromFlag && manifest.Namespace != config.Namespace)
                {
                    throw new CliException($"the namespace from the provided object \"{manifest.Namespace}\" does not match the namespace \"{config.Namespace}\". You must pass '--namespace={manifest.Namespace}' to perform this operation.");
                }

                ns = string.IsNullOrEmpty(manifest.Namespace) ? config.Namespace : manifest.Namespace;
                if (manifest.Object["metadata"] is System.Text.Json.Nodes.JsonObject metadata)
                {
                    metadata["namespace"] = ns;
                }
            }

            targets.Add(new ManifestTarget(manifest, resource, ns));
        }

        return targets;
    }
}
