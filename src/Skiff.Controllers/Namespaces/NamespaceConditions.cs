using k8s.Models;

namespace Skiff.Controllers.Namespaces;

/// <summary>
/// Upstream's namespaceConditionUpdater: turns what one deletion pass met (discovery failures, delete failures,
/// content and finalizers left) into the namespace's deletion conditions. Every condition type is always present:
/// status False with the "ok" reason and message when nothing went wrong of that type.
/// </summary>
internal sealed class NamespaceConditions(DateTime now)
{
    public const string DiscoveryFailure = "NamespaceDeletionDiscoveryFailure";
    public const string GroupVersionParsingFailure = "NamespaceDeletionGroupVersionParsingFailure";
    public const string ContentFailure = "NamespaceDeletionContentFailure";
    public const string ContentRemaining = "NamespaceContentRemaining";
    public const string FinalizersRemaining = "NamespaceFinalizersRemaining";

    private static readonly (string Type, string Reason, string Message)[] Ok =
    [
        (DiscoveryFailure, "ResourcesDiscovered", "All resources successfully discovered"),
        (GroupVersionParsingFailure, "ParsedGroupVersions", "All legacy kube types successfully parsed"),
        (ContentFailure, "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
        (ContentRemaining, "ContentRemoved", "All content successfully removed"),
        (FinalizersRemaining, "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
    ];

    private readonly List<V1NamespaceCondition> _conditions = [];
    private readonly List<string> _deleteErrors = [];

    public void DiscoveryFailed(string message) => Add(DiscoveryFailure, "DiscoveryFailed", message);

    public void DeleteFailed(string message) => _deleteErrors.Add(message);

    /// <summary>What is left: instances per resource (<c>pods.</c>, <c>deployments.apps</c>) and per finalizer.</summary>
    public void ContentLeft(IReadOnlyDictionary<string, int> byResource, IReadOnlyDictionary<string, int> byFinalizer)
    {
        var resources = byResource.Where(r => r.Value > 0).Select(r => $"{r.Key} has {r.Value} resource instances").Order(StringComparer.Ordinal).ToList();
        if (resources.Count > 0)
        {
            Add(ContentRemaining, "SomeResourcesRemain", "Some resources are remaining: " + string.Join(", ", resources));
        }

        var finalizers = byFinalizer.Where(f => f.Value > 0).Select(f => $"{f.Key} in {f.Value} resource instances").Order(StringComparer.Ordinal).ToList();
        if (finalizers.Count > 0)
        {
            Add(FinalizersRemaining, "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: " + string.Join(", ", finalizers));
        }
    }

    /// <summary>Writes the conditions into <paramref name="ns"/>'s status; true when anything changed (only then is
    /// a status update worth sending). A condition's transition time moves only when its status flips.</summary>
    public bool ApplyTo(V1Namespace ns)
    {
        if (_deleteErrors.Count > 0 && _conditions.All(c => c.Type != ContentFailure))
        {
            var messages = _deleteErrors.Order(StringComparer.Ordinal).ToList();
            Add(ContentFailure, "ContentDeletionFailed", $"Failed to delete all resource types, {messages.Count} remaining: {string.Join(", ", messages)}");
        }

        var status = ns.Status ??= new V1NamespaceStatus();
        status.Conditions ??= [];
        var changed = false;
        foreach (var (type, reason, message) in Ok)
        {
            var wanted = _conditions.FirstOrDefault(c => c.Type == type)
                ?? new V1NamespaceCondition { Type = type, Status = "False", Reason = reason, Message = message, LastTransitionTime = now };
            var current = status.Conditions.FirstOrDefault(c => c.Type == type);
            if (current is null)
            {
                status.Conditions.Add(wanted);
                changed = true;
            }
            else if (current.Status != wanted.Status || current.Reason != wanted.Reason || current.Message != wanted.Message)
            {
                if (current.Status != wanted.Status)
                {
                    current.LastTransitionTime = now;
                }

                current.Status = wanted.Status;
                current.Reason = wanted.Reason;
                current.Message = wanted.Message;
                changed = true;
            }
        }

        return changed;
    }

    private void Add(string type, string reason, string message) =>
        _conditions.Add(new V1NamespaceCondition { Type = type, Status = "True", Reason = reason, Message = message, LastTransitionTime = now });
}
