using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// What a delete's <c>propagationPolicy</c> asks of the garbage collector, as upstream's registry records it: Orphan
/// puts the <c>orphan</c> finalizer on the object (the collector removes the dependents' references to it first),
/// Foreground puts <c>foregroundDeletion</c> (the collector deletes the dependents first); Background (the default)
/// deletes the object at once and leaves the dependents to be collected.
/// </summary>
internal static class GarbageCollectionFinalizers
{
    public const string Orphan = "orphan";
    public const string Foreground = "foregroundDeletion";

    /// <summary>Adds the finalizer <paramref name="propagationPolicy"/> asks for; true when it changed the object.</summary>
    public static bool Apply(V1ObjectMeta meta, string? propagationPolicy)
    {
        ArgumentNullException.ThrowIfNull(meta);
        var (add, remove) = propagationPolicy switch
        {
            "Orphan" => (Orphan, Foreground),
            "Foreground" => (Foreground, Orphan),
            _ => ((string?)null, (string?)null),
        };
        if (add is null)
        {
            return false;
        }

        var finalizers = (meta.Finalizers ?? []).Where(f => f != remove).ToList();
        if (!finalizers.Contains(add))
        {
            finalizers.Add(add);
        }

        var changed = meta.Finalizers is null || !finalizers.SequenceEqual(meta.Finalizers);
        meta.Finalizers = finalizers;
        return changed;
    }
}
