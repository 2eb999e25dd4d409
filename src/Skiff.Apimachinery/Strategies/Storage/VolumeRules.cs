using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Storage;

/// <summary>
/// What PersistentVolumes and PersistentVolumeClaims share upstream (pkg/apis/core/validation and the printers'
/// helpers): the known access modes and volume modes, the "storage" quantity rules, the storage class as printed
/// (the beta annotation wins over the field) and the RWO/ROX/RWX/RWOP short form of access modes.
/// </summary>
public static class VolumeRules
{
    public const string Storage = "storage";
    public const string Filesystem = "Filesystem";
    public const string BetaStorageClassAnnotation = "volume.beta.kubernetes.io/storage-class";

    /// <summary>sets.List(supportedAccessModes): sorted as Go sorts strings.</summary>
    public static readonly string[] AccessModes = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

    public static readonly string[] VolumeModes = ["Block", "Filesystem"];

    /// <summary>The access-mode checks both kinds run; <paramref name="requiredDetail"/> differs (a PVC says why).</summary>
    public static IEnumerable<FieldError> ValidateAccessModes(IList<string>? modes, string path, string requiredDetail)
    {
        if (modes is not { Count: > 0 })
        {
            yield return FieldErrors.Required(path, requiredDetail);
            yield break;
        }

        bool readWriteOncePod = false, other = false;
        foreach (var mode in modes)
        {
            if (!AccessModes.Contains(mode))
            {
                yield return FieldErrors.NotSupported(path, mode, AccessModes);
            }

            if (mode == "ReadWriteOncePod")
            {
                readWriteOncePod = true;
            }
            else
            {
                other = true;
            }
        }

        if (readWriteOncePod && other)
        {
            yield return FieldErrors.Forbidden(path, "may not use ReadWriteOncePod with other access modes");
        }
    }

    public static IEnumerable<FieldError> ValidateVolumeMode(string? mode, string path)
    {
        if (mode is not null && !VolumeModes.Contains(mode))
        {
            yield return FieldErrors.NotSupported(path, mode, VolumeModes);
        }
    }

    /// <summary>ValidateClassName: a DNS-1123 subdomain.</summary>
    public static IEnumerable<FieldError> ValidateClassName(string? name, string path) =>
        string.IsNullOrEmpty(name) ? [] : FieldErrors.InvalidEach(path, name, NameRules.Dns1123Subdomain(name));

    /// <summary>ValidatePositiveQuantityValue.</summary>
    public static IEnumerable<FieldError> ValidatePositive(ResourceQuantity quantity, string path)
    {
        if (quantity.ToDecimal() <= 0)
        {
            yield return FieldErrors.Invalid(path, quantity.ToString(), "must be greater than zero");
        }
    }

    /// <summary>The storage quantity of a requests/capacity list, or null.</summary>
    public static ResourceQuantity? StorageOf(IDictionary<string, ResourceQuantity>? list) =>
        list is not null && list.TryGetValue(Storage, out var quantity) ? quantity : null;

    /// <summary>GetAccessModesAsString: de-duplicated, in the fixed order RWO, ROX, RWX, RWOP.</summary>
    public static string Short(IList<string>? modes)
    {
        if (modes is null)
        {
            return string.Empty;
        }

        var parts = new List<string>(4);
        foreach (var (mode, shortName) in new[]
                 {
                     ("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"),
                 })
        {
            if (modes.Contains(mode))
            {
                parts.Add(shortName);
            }
        }

        return string.Join(",", parts);
    }

    /// <summary>GetPersistentVolume(Claim)Class: the beta annotation when set, else the field.</summary>
    public static string ClassOf(V1ObjectMeta? meta, string? field) =>
        meta?.Annotations is { } annotations && annotations.TryGetValue(BetaStorageClassAnnotation, out var annotated)
            ? annotated
            : field ?? string.Empty;

    /// <summary>PV and PVC names are path segments (upstream's ValidatePersistentVolumeName = IsValidPathSegmentName).</summary>
    public static IReadOnlyList<string> ValidateName(string name, bool prefix) => Rbac.RbacNames.Validate(name, prefix);
}
