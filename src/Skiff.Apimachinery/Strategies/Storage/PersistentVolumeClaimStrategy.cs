using k8s;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Storage;

/// <summary>
/// The rules of a PersistentVolumeClaim (core/v1, namespaced), as upstream's ValidatePersistentVolumeClaim(Update) and
/// the claim's REST strategy: accessModes required and known, spec.resources[storage] required and positive, volumeMode
/// defaults to Filesystem, a new claim is Pending (status is the binder's, through /status). After creation the spec
/// is immutable except: volumeName may be set once (the binder), storageClassName may be set once when it was unset
/// (retroactive default class) or moved from the beta annotation, and a Bound claim's storage request may grow (or go
/// back down to no less than status.capacity, 1.32's RecoverVolumeExpansionFailure). Printer: NAME STATUS VOLUME
/// CAPACITY ACCESS MODES STORAGECLASS VOLUMEATTRIBUTESCLASS AGE, VOLUMEMODE with -o wide.
/// </summary>
public sealed class PersistentVolumeClaimStrategy : ResourceStrategy<V1PersistentVolumeClaim>
{
    public const string Pending = "Pending";
    public const string Bound = "Bound";

    private const string StoragePath = "spec.resources.requests.storage";

    public PersistentVolumeClaimStrategy()
        : base(namespaced: true, validateName: VolumeRules.ValidateName, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Status", "phase represents the current phase of PersistentVolumeClaim."),
        Column.String("Volume", "volumeName is the binding reference to the PersistentVolume backing this claim."),
        Column.String("Capacity", "capacity represents the actual resources of the underlying volume."),
        Column.String("Access Modes", "accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"),
        Column.String("StorageClass", "StorageClass of the pvc"),
        Column.String("VolumeAttributesClass", "VolumeAttributesClass of the pvc"),
        Column.Age,
        Column.String("VolumeMode", "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.", priority: 1),
    ];

    protected override void ApplyDefaults(V1PersistentVolumeClaim obj)
    {
        var spec = obj.Spec ??= new V1PersistentVolumeClaimSpec();
        spec.VolumeMode ??= VolumeRules.Filesystem;
    }

    protected override void OnCreate(V1PersistentVolumeClaim obj, DateTimeOffset now)
    {
        // SetDefaults_PersistentVolumeClaim: a claim nobody has bound yet is Pending.
        var status = obj.Status ??= new V1PersistentVolumeClaimStatus();
        status.Phase ??= Pending;
    }

    protected override IEnumerable<FieldError> Validate(V1PersistentVolumeClaim obj) => ValidateSpec(obj.Spec, "spec");

    /// <summary>ValidatePersistentVolumeClaimSpec (also a StatefulSet's volumeClaimTemplates).</summary>
    public static IEnumerable<FieldError> ValidateSpec(V1PersistentVolumeClaimSpec? spec, string path)
    {
        spec ??= new V1PersistentVolumeClaimSpec();
        var errors = new List<FieldError>(VolumeRules.ValidateAccessModes(spec.AccessModes, $"{path}.accessModes", "at least 1 access mode is required"));
        if (spec.Selector is not null)
        {
            // A claim's selector may be empty (it then matches every volume).
            errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, $"{path}.selector", "persistentvolumeclaim")
                .Where(e => !e.Detail.StartsWith("empty selector", StringComparison.Ordinal)));
        }

        var storagePath = $"{path}.resources[{VolumeRules.Storage}]";
        if (VolumeRules.StorageOf(spec.Resources?.Requests) is not { } storage)
        {
            errors.Add(FieldErrors.Required(storagePath));
        }
        else
        {
            errors.AddRange(VolumeRules.ValidatePositive(storage, storagePath));
        }

        errors.AddRange(VolumeRules.ValidateClassName(spec.StorageClassName, $"{path}.storageClassName"));
        errors.AddRange(VolumeRules.ValidateVolumeMode(spec.VolumeMode, $"{path}.volumeMode"));
        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1PersistentVolumeClaim obj, V1PersistentVolumeClaim old)
    {
        var errors = new List<FieldError>(Validate(obj));
        var spec = obj.Spec ?? new V1PersistentVolumeClaimSpec();
        var oldSpec = old.Spec ?? new V1PersistentVolumeClaimSpec();

        // Compare clones with the allowed changes carried over, as upstream does.
        var newClone = KubernetesJson.Deserialize<V1PersistentVolumeClaimSpec>(KubernetesJson.Serialize(spec));
        var oldClone = KubernetesJson.Deserialize<V1PersistentVolumeClaimSpec>(KubernetesJson.Serialize(oldSpec));
        if (string.IsNullOrEmpty(oldSpec.VolumeName))
        {
            oldClone.VolumeName = newClone.VolumeName;
        }

        var oldAnnotation = Annotation(old, VolumeRules.BetaStorageClassAnnotation);
        var newAnnotation = Annotation(obj, VolumeRules.BetaStorageClassAnnotation);
        if (oldAnnotation is not null && newAnnotation == oldAnnotation && oldSpec.StorageClassName is null && spec.StorageClassName == oldAnnotation)
        {
            newClone.StorageClassName = null;
        }
        else
        {
            if (newAnnotation != oldAnnotation)
            {
                errors.Add(FieldErrors.Immutable($"metadata.annotations[{VolumeRules.BetaStorageClassAnnotation}]", newAnnotation ?? string.Empty));
            }

            if (oldAnnotation is null && oldSpec.StorageClassName is null && spec.StorageClassName is not null)
            {
                newClone.StorageClassName = null;
            }
        }

        // Status is the stored one here (PrepareForUpdate kept it): only a bound claim's size may change.
        if (obj.Status?.Phase == Bound && newClone.Resources?.Requests is { } requests)
        {
            if (VolumeRules.StorageOf(oldSpec.Resources?.Requests) is { } oldStorage)
            {
                requests[VolumeRules.Storage] = oldStorage;
            }
            else
            {
                requests.Remove(VolumeRules.Storage);
            }
        }

        if (!SameJson(newClone, oldClone))
        {
            errors.Add(FieldErrors.Forbidden(
                "spec",
                "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n" +
                SpecDiff.Describe("core.PersistentVolumeClaimSpec", oldClone, newClone)));
        }

        var newSize = VolumeRules.StorageOf(spec.Resources?.Requests)?.ToDecimal() ?? 0;
        var oldSize = VolumeRules.StorageOf(oldSpec.Resources?.Requests)?.ToDecimal() ?? 0;
        var statusSize = VolumeRules.StorageOf(old.Status?.Capacity)?.ToDecimal() ?? 0;
        if (newSize < oldSize && newSize <= statusSize)
        {
            errors.Add(FieldErrors.Forbidden(StoragePath, "field can not be less than status.capacity"));
        }

        if (spec.VolumeMode != oldSpec.VolumeMode)
        {
            // Upstream's path is "volumeMode", not "spec.volumeMode".
            errors.Add(FieldErrors.Immutable("volumeMode", spec.VolumeMode));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1PersistentVolumeClaim obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeClaimSpec();
        var phase = obj.Metadata?.DeletionTimestamp is not null ? "Terminating" : obj.Status?.Phase ?? string.Empty;
        string capacity = string.Empty, accessModes = string.Empty;
        if (!string.IsNullOrEmpty(spec.VolumeName))
        {
            accessModes = VolumeRules.Short(obj.Status?.AccessModes);
            capacity = VolumeRules.StorageOf(obj.Status?.Capacity)?.ToString() ?? "0";
        }

        return
        [
            obj.Metadata?.Name,
            phase,
            spec.VolumeName ?? string.Empty,
            capacity,
            accessModes,
            VolumeRules.ClassOf(obj.Metadata, spec.StorageClassName),
            spec.VolumeAttributesClassName ?? "<unset>",
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            spec.VolumeMode ?? "<unset>",
        ];
    }

    private static string? Annotation(V1PersistentVolumeClaim obj, string key) =>
        obj.Metadata?.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;
}
