using Skiff.Api.Json;
using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;
using Skiff.Cli.Manifests;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Commands;

/// <summary>
/// <c>kubectl apply -f</c> (client-side): creates missing objects with the last-applied annotation, otherwise sends
/// a three-way strategic merge patch, printing <c>kind/name created|configured|unchanged</c>.
/// </summary>
public static class ApplyCommand
{
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var files = new Option<string[]>("--filename", "-f") { Description = "Files, directories or - for stdin", Required = true };
        var recursive = new Option<bool>("--recursive", "-R") { Description = "Process directories recursively" };
        var validate = new Option<string?>("--validate") { Description = "Accepted for kubectl compatibility; the server validates" };
        var command = new Command("apply", "Apply a configuration to a resource by file name or stdin") { files, recursive, validate };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var api = await session.ApiAsync();
            var discovery = await session.DiscoveryAsync(ct);
            var manifests = await ManifestReader.ReadAsync(parse.GetValue(files) ?? [], session.In, parse.GetValue(recursive), ct);
            var exit = 0;
            foreach (var target in ManifestTargets.Resolve(manifests, discovery, await session.ConfigAsync()))
            {
                try
                {
                    await session.Out.WriteLineAsync($"{target.Display} {await ApplyOneAsync(session, api, target, ct)}");
                }
                catch (ApiException ex)
                {
                    await session.Err.WriteLineAsync(ex.ToKubectlMessage());
                    exit = 1;
                }
            }

            return exit;
        }));
        return command;
    }

    private static async Task<string> ApplyOneAsync(KubectlSession session, ApiClient api, ManifestTarget target, CancellationToken cancellationToken)
    {
        var modified = WithLastApplied(target.Manifest.Object);
        var path = target.Resource.ObjectPath(target.Namespace, target.Manifest.Name);
        JsonObject current;
        try
        {
            current = await api.GetAsync(path, ApiClient.JsonAccept, $"{target.Resource.QualifiedName} {target.Manifest.Name}", cancellationToken);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            try
            {
                await api.RequestJsonAsync(HttpMethod.Post, target.Resource.CollectionPath(target.Namespace) + "?fieldManager=kubectl-client-side-apply",
                    ApiClient.JsonAccept, modified, "application/json", "post", target.Resource.Name, cancellationToken);
            }
            catch (ApiException createError)
            {
                throw createError.WithPrefix($"error when creating \"{target.Manifest.Source}\": ");
            }

            return "created";
        }

        var lastApplied = (string?)current["metadata"]?["annotations"]?[LastAppliedAnnotation];
        if (lastApplied is null)
        {
            await session.Err.WriteLineAsync(
                $"Warning: resource {target.Resource.QualifiedName}/{target.Manifest.Name} is missing the {LastAppliedAnnotation} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.");
        }

        var original = lastApplied is null ? null : JsonNode.Parse(lastApplied) as JsonObject;
        var strategic = IsBuiltIn(target.Resource.Group);
        var patch = ThreeWayPatch.Create(original, modified, current, strategic);
        if (patch.Count == 0)
        {
            return "unchanged";
        }

        try
        {
            await api.RequestJsonAsync(HttpMethod.Patch, path + "?fieldManager=kubectl-client-side-apply", ApiClient.JsonAccept, patch,
                strategic ? "application/strategic-merge-patch+json" : "application/merge-patch+json", "patch", target.Resource.Name, cancellationToken);
        }
        catch (ApiException patchError)
        {
            throw patchError.WithPrefix($"error when applying patch:\n{GoJson.Compact(patch)}\nto:\nResource: \"{target.Resource.GroupVersion}, Resource={target.Resource.Name}\", GroupVersionKind: \"{target.Resource.GroupVersion}, Kind={target.Resource.Kind}\"\nName: \"{target.Manifest.Name}\", Namespace: \"{target.Namespace}\"\nfor: \"{target.Manifest.Source}\": ");
        }

        return "configured";
    }

    /// <summary>Groups of the built-in API (which take strategic merge patches), as opposed to custom resources.</summary>
    internal static bool IsBuiltIn(string group) =>
        group.Length == 0 || !group.Contains('.', StringComparison.Ordinal) || group.EndsWith(".k8s.io", StringComparison.Ordinal);

    /// <summary>
    /// The object with its new last-applied annotation: the object's compact JSON (sorted keys, its other
    /// annotations, without the old last-applied one) plus a newline, as kubectl computes it.
    /// </summary>
    public static JsonObject WithLastApplied(JsonObject manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var copy = manifest.DeepClone().AsObject();
        if (copy["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            copy["metadata"] = metadata;
        }

        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = new JsonObject();
            metadata["annotations"] = annotations;
        }

        annotations.Remove(LastAppliedAnnotation);
        var encoded = GoJson.Compact(copy) + "\n";
        annotations[LastAppliedAnnotation] = encoded;
        return copy;
    }
}
