using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Data;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a config map: valid keys, no key in both data and binaryData, at most 1 MiB, and
/// nothing changes once <c>immutable</c> is true. Printer: NAME DATA AGE.</summary>
public sealed class ConfigMapStrategy : ResourceStrategy<V1ConfigMap>
{
    public ConfigMapStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.Integer("Data", "Data contains the configuration data."), Column.Age];

    protected override IEnumerable<FieldError> Validate(V1ConfigMap obj)
    {
        var errors = new List<FieldError>();
        var data = obj.Data ?? new Dictionary<string, string>();
        var binary = obj.BinaryData ?? new Dictionary<string, byte[]>();
        errors.AddRange(DataKeyRules.ValidateKeys(data.Keys, "data"));
        errors.AddRange(DataKeyRules.ValidateKeys(binary.Keys, "binaryData"));
        foreach (var key in binary.Keys.Where(data.ContainsKey).Order(StringComparer.Ordinal))
        {
            errors.Add(FieldErrors.Invalid($"data[{key}]", key, "duplicate of key present in binaryData"));
        }

        long size = data.Sum(d => (long)d.Key.Length + (d.Value?.Length ?? 0)) + binary.Sum(b => (long)b.Key.Length + (b.Value?.Length ?? 0));
        if (size > DataKeyRules.MaxTotalSize)
        {
            errors.Add(FieldErrors.TooLong("", DataKeyRules.MaxTotalSize));
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1ConfigMap obj, V1ConfigMap old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (old.Immutable == true)
        {
            if (obj.Immutable != true)
            {
                errors.Add(FieldErrors.Forbidden("immutable", "field is immutable when `immutable` is set"));
            }

            if (!SameJson(obj.Data, old.Data))
            {
                errors.Add(FieldErrors.Forbidden("data", "field is immutable when `immutable` is set"));
            }

            if (!SameJson(obj.BinaryData, old.BinaryData))
            {
                errors.Add(FieldErrors.Forbidden("binaryData", "field is immutable when `immutable` is set"));
            }
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ConfigMap obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, (long)((obj.Data?.Count ?? 0) + (obj.BinaryData?.Count ?? 0)), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];
}
