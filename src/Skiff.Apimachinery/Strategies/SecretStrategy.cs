using System.Text;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Data;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a secret: type Opaque by default, <c>stringData</c> merged into <c>data</c> (it is write-only, as in
/// Kubernetes), valid keys, the keys each well-known type requires, at most 1 MiB, type immutable, nothing changes once
/// <c>immutable</c> is true. Printer: NAME TYPE DATA AGE.
/// </summary>
public sealed class SecretStrategy : ResourceStrategy<V1Secret>
{
    public SecretStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Type", "Used to facilitate programmatic handling of secret data. More info: https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
        Column.Integer("Data", "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded string, representing the arbitrary (possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"),
        Column.Age,
    ];

    protected override void ApplyDefaults(V1Secret obj)
    {
        if (string.IsNullOrEmpty(obj.Type))
        {
            obj.Type = "Opaque";
        }

        if (obj.StringData is { Count: > 0 } strings)
        {
            obj.Data ??= new Dictionary<string, byte[]>();
            foreach (var (key, value) in strings)
            {
                obj.Data[key] = Encoding.UTF8.GetBytes(value ?? string.Empty);
            }
        }

        obj.StringData = null;
    }

    protected override IEnumerable<FieldError> Validate(V1Secret obj)
    {
        var errors = new List<FieldError>();
        var data = obj.Data ?? new Dictionary<string, byte[]>();
        errors.AddRange(DataKeyRules.ValidateKeys(data.Keys, "data"));
        if (data.Sum(d => (long)d.Key.Length + (d.Value?.Length ?? 0)) > DataKeyRules.MaxTotalSize)
        {
            errors.Add(FieldErrors.TooLong("data", DataKeyRules.MaxTotalSize));
        }

        switch (obj.Type)
        {
            case "kubernetes.io/service-account-token":
                if (obj.Metadata?.Annotations?.ContainsKey("kubernetes.io/service-account.name") != true)
                {
                    errors.Add(FieldErrors.Required("metadata.annotations[kubernetes.io/service-account.name]"));
                }

                break;
            case "kubernetes.io/dockercfg":
                RequireKey(data, ".dockercfg", errors);
                break;
            case "kubernetes.io/dockerconfigjson":
                RequireKey(data, ".dockerconfigjson", errors);
                break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                {
                    errors.Add(FieldErrors.Required("data[username]"));
                    errors.Add(FieldErrors.Required("data[password]"));
                }

                break;
            case "kubernetes.io/ssh-auth":
                RequireKey(data, "ssh-privatekey", errors);
                break;
            case "kubernetes.io/tls":
                RequireKey(data, "tls.crt", errors);
                RequireKey(data, "tls.key", errors);
                break;
        }

        return errors;
    }

    private static void RequireKey(IDictionary<string, byte[]> data, string key, List<FieldError> errors)
    {
        if (!data.ContainsKey(key))
        {
            errors.Add(FieldErrors.Required($"data[{key}]"));
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1Secret obj, V1Secret old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (obj.Type != old.Type)
        {
            errors.Add(FieldErrors.Immutable("type", obj.Type));
        }

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
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1Secret obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, obj.Type ?? string.Empty, (long)(obj.Data?.Count ?? 0), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];

    protected override void AddSelectableFields(V1Secret obj, IDictionary<string, string> fields) =>
        fields["type"] = obj.Type ?? string.Empty;
}
