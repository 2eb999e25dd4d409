using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Quota;

/// <summary>
/// core/v1 ResourceQuota as upstream serves it: status written only through the status subresource (the quota
/// controller and the ResourceQuota admission plugin), non-negative hard amounts, known scopes. Printer: NAME AGE
/// REQUEST LIMIT, where REQUEST lists <c>resource: used/hard</c> of every status.hard resource not named
/// <c>limits.*</c> and LIMIT those that are.
/// </summary>
public sealed class ResourceQuotaStrategy : ResourceStrategy<V1ResourceQuota>
{
    private static readonly string[] Scopes = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"];

    public ResourceQuotaStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Age,
        Column.String("Request", "Request represents a minimum amount of cpu/memory that a container may consume."),
        Column.String("Limit", "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."),
    ];

    protected override IEnumerable<FieldError> Validate(V1ResourceQuota obj)
    {
        var errors = new List<FieldError>();
        foreach (var (name, q) in obj.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>())
        {
            if (q is null || q.ToDecimal() < 0)
            {
                errors.Add(FieldErrors.Invalid($"spec.hard[{name}]", q?.ToString(), "must be greater than or equal to 0"));
            }
        }

        var scopes = obj.Spec?.Scopes ?? [];
        for (var i = 0; i < scopes.Count; i++)
        {
            if (!Scopes.Contains(scopes[i]))
            {
                errors.Add(FieldErrors.NotSupported($"spec.scopes[{i}]", scopes[i], Scopes));
            }
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateStatus(V1ResourceQuota obj, V1ResourceQuota old)
    {
        var errors = new List<FieldError>();
        foreach (var (field, list) in new[] { ("status.hard", obj.Status?.Hard), ("status.used", obj.Status?.Used) })
        {
            foreach (var (name, q) in list ?? new Dictionary<string, ResourceQuantity>())
            {
                if (q is null || q.ToDecimal() < 0)
                {
                    errors.Add(FieldErrors.Invalid($"{field}[{name}]", q?.ToString(), "must be greater than or equal to 0"));
                }
            }
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ResourceQuota obj, DateTimeOffset now)
    {
        var requests = new List<string>();
        var limits = new List<string>();
        var hard = obj.Status?.Hard ?? new Dictionary<string, ResourceQuantity>();
        foreach (var name in hard.Keys.Order(StringComparer.Ordinal))
        {
            var used = obj.Status?.Used is { } u && u.TryGetValue(name, out var q) ? q.ToString() : "0";
            var cell = $"{name}: {used}/{hard[name]}";
            (name.Split('.') is { Length: > 1 } pieces && pieces[0] == "limits" ? limits : requests).Add(cell);
        }

        return [obj.Metadata?.Name, HumanDuration.Since(obj.Metadata?.CreationTimestamp, now), string.Join(", ", requests), string.Join(", ", limits)];
    }
}
