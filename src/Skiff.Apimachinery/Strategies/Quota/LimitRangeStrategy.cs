using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Rbac;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Quota;

/// <summary>
/// core/v1 LimitRange as upstream serves it: Container items default their default limit to max, their default
/// request to the default limit, then to min (SetDefaults_LimitRangeItem); validation as ValidateLimitRange
/// (non-negative amounts, min ≤ defaultRequest ≤ default ≤ max, ratios ≥ 1 and within max/min, no defaults on Pod
/// items). Printer: NAME CREATED AT.
/// </summary>
public sealed class LimitRangeStrategy : ResourceStrategy<V1LimitRange>
{
    public LimitRangeStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.String("Created At", "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.")];

    protected override void ApplyDefaults(V1LimitRange obj)
    {
        foreach (var item in obj.Spec?.Limits ?? [])
        {
            if (item.Type != "Container")
            {
                continue;
            }

            item.DefaultProperty ??= new Dictionary<string, ResourceQuantity>();
            item.DefaultRequest ??= new Dictionary<string, ResourceQuantity>();
            foreach (var (key, value) in item.Max ?? new Dictionary<string, ResourceQuantity>())
            {
                item.DefaultProperty.TryAdd(key, value);
            }

            foreach (var (key, value) in item.DefaultProperty)
            {
                item.DefaultRequest.TryAdd(key, value);
            }

            foreach (var (key, value) in item.Min ?? new Dictionary<string, ResourceQuantity>())
            {
                item.DefaultRequest.TryAdd(key, value);
            }
        }
    }

    protected override IEnumerable<FieldError> Validate(V1LimitRange obj)
    {
        var errors = new List<FieldError>();
        var limits = obj.Spec?.Limits ?? [];
        var seenTypes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < limits.Count; i++)
        {
            var item = limits[i];
            var path = $"spec.limits[{i}]";
            if (string.IsNullOrEmpty(item.Type))
            {
                errors.Add(FieldErrors.Required($"{path}.type"));
            }
            else if (!seenTypes.Add(item.Type))
            {
                errors.Add(FieldErrors.Duplicate($"{path}.type", item.Type));
            }

            if (item.Type == "Pod")
            {
                if (item.DefaultProperty is { Count: > 0 })
                {
                    errors.Add(FieldErrors.Forbidden($"{path}.default", "may not be specified when `type` is 'Pod'"));
                }

                if (item.DefaultRequest is { Count: > 0 })
                {
                    errors.Add(FieldErrors.Forbidden($"{path}.defaultRequest", "may not be specified when `type` is 'Pod'"));
                }
            }

            foreach (var (field, list) in new[] { ("max", item.Max), ("min", item.Min), ("default", item.DefaultProperty), ("defaultRequest", item.DefaultRequest), ("maxLimitRequestRatio", item.MaxLimitRequestRatio) })
            {
                foreach (var (name, q) in list ?? new Dictionary<string, ResourceQuantity>())
                {
                    if (q.ToDecimal() < 0)
                    {
                        errors.Add(FieldErrors.Invalid($"{path}.{field}[{name}]", q.ToString(), "must be greater than or equal to 0"));
                    }
                }
            }

            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var list in new[] { item.Max, item.Min, item.DefaultProperty, item.DefaultRequest, item.MaxLimitRequestRatio })
            {
                names.UnionWith(list?.Keys ?? []);
            }

            foreach (var name in names)
            {
                var max = Get(item.Max, name);
                var min = Get(item.Min, name);
                var def = Get(item.DefaultProperty, name);
                var defRequest = Get(item.DefaultRequest, name);
                var ratio = Get(item.MaxLimitRequestRatio, name);
                if (min is not null && max is not null && min.ToDecimal() > max.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.min[{name}]", min.ToString(), $"min value {min} is greater than max value {max}"));
                }

                if (defRequest is not null && min is not null && min.ToDecimal() > defRequest.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.defaultRequest[{name}]", defRequest.ToString(), $"min value {min} is greater than default request value {defRequest}"));
                }

                if (defRequest is not null && max is not null && defRequest.ToDecimal() > max.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.defaultRequest[{name}]", defRequest.ToString(), $"default request value {defRequest} is greater than max value {max}"));
                }

                if (defRequest is not null && def is not null && defRequest.ToDecimal() > def.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.defaultRequest[{name}]", defRequest.ToString(), $"default request value {defRequest} is greater than default limit value {def}"));
                }

                if (def is not null && min is not null && min.ToDecimal() > def.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.default[{name}]", min.ToString(), $"min value {min} is greater than default value {def}"));
                }

                if (def is not null && max is not null && def.ToDecimal() > max.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid($"{path}.default[{name}]", max.ToString(), $"default value {def} is greater than max value {max}"));
                }

                if (ratio is not null && ratio.ToDecimal() < 1)
                {
                    errors.Add(FieldErrors.Invalid($"{path}.maxLimitRequestRatio[{name}]", ratio.ToString(), $"ratio {ratio} is less than 1"));
                }

                if (ratio is not null && max is not null && min is not null && min.ToDecimal() > 0 && ratio.ToDecimal() > max.ToDecimal() / min.ToDecimal())
                {
                    errors.Add(FieldErrors.Invalid(
                        $"{path}.maxLimitRequestRatio[{name}]", ratio.ToString(),
                        $"ratio {ratio} is greater than max/min = {GoFormat.Float((double)(max.ToDecimal() / min.ToDecimal()))}"));
                }
            }
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1LimitRange obj, DateTimeOffset now) => [obj.Metadata?.Name, CreatedAt.Format(obj.Metadata)];

    private static ResourceQuantity? Get(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) ? q : null;
}
