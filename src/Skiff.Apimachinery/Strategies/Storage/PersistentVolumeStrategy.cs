using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Storage;

/// <summary>
/// The rules of a PersistentVolume (core/v1, cluster-scoped), as upstream's ValidatePersistentVolume(Update) and the
/// volume's REST strategy: accessModes required and known, capacity exactly one positive "storage", exactly one
/// volume source (a local volume also needs nodeAffinity), reclaim policy Retain by default (Delete, Recycle, Retain),
/// volumeMode Filesystem by default; a new volume is Pending with lastPhaseTransitionTime now, and a status write that
/// changes the phase stamps it again. After creation the volume source, volumeMode and a set nodeAffinity never change
/// (capacity, access modes, claimRef, class and policy may: the binder and expansion write them). Printer: NAME
/// CAPACITY ACCESS MODES RECLAIM POLICY STATUS CLAIM STORAGECLASS VOLUMEATTRIBUTESCLASS REASON AGE, VOLUMEMODE wide.
/// </summary>
public sealed class PersistentVolumeStrategy : ResourceStrategy<V1PersistentVolume>
{
    public const string Pending = "Pending";
    public const string Retain = "Retain";

    private static readonly string[] ReclaimPolicies = ["Delete", "Recycle", "Retain"];

    // Upstream checks the sources in this order; the second one found is "more than 1 volume type".
    private static readonly (string Name, Func<V1PersistentVolumeSpec, object?> Get)[] Sources =
    [
        ("hostPath", s => s.HostPath), ("gcePersistentDisk", s => s.GcePersistentDisk),
        ("awsElasticBlockStore", s => s.AwsElasticBlockStore), ("glusterfs", s => s.Glusterfs), ("flocker", s => s.Flocker),
        ("nfs", s => s.Nfs), ("rbd", s => s.Rbd), ("quobyte", s => s.Quobyte), ("cephfs", s => s.Cephfs),
        ("iscsi", s => s.Iscsi), ("cinder", s => s.Cinder), ("fc", s => s.Fc), ("flexVolume", s => s.FlexVolume),
        ("azureFile", s => s.AzureFile), ("vsphereVolume", s => s.VsphereVolume), ("photonPersistentDisk", s => s.PhotonPersistentDisk),
        ("portworxVolume", s => s.PortworxVolume), ("azureDisk", s => s.AzureDisk), ("scaleIO", s => s.ScaleIO),
        ("local", s => s.Local), ("storageos", s => s.Storageos), ("csi", s => s.Csi),
    ];

    public PersistentVolumeStrategy()
        : base(namespaced: false, validateName: VolumeRules.ValidateName, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Capacity", "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"),
        Column.String("Access Modes", "accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"),
        Column.String("Reclaim Policy", "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"),
        Column.String("Status", "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"),
        Column.String("Claim", "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"),
        Column.String("StorageClass", "StorageClass of the pv"),
        Column.String("VolumeAttributesClass", "VolumeAttributesClass of the pv"),
        Column.String("Reason", "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."),
        Column.Age,
        Column.String("VolumeMode", "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.", priority: 1),
    ];

    protected override void ApplyDefaults(V1PersistentVolume obj)
    {
        var spec = obj.Spec ??= new V1PersistentVolumeSpec();
        if (string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy))
        {
            spec.PersistentVolumeReclaimPolicy = Retain;
        }

        spec.VolumeMode ??= VolumeRules.Filesystem;
    }

    protected override void OnCreate(V1PersistentVolume obj, DateTimeOffset now)
    {
        // PersistentVolumeLastPhaseTransitionTime (GA in 1.31): a new volume is Pending since now.
        obj.Status = new V1PersistentVolumeStatus { Phase = Pending, LastPhaseTransitionTime = Timestamps.Truncate(now) };
    }

    protected override void OnStatusUpdate(V1PersistentVolume obj, V1PersistentVolume old, DateTimeOffset now)
    {
        var status = obj.Status ??= new V1PersistentVolumeStatus();
        var oldStatus = old.Status ?? new V1PersistentVolumeStatus();
        if (status.Phase == oldStatus.Phase && status.LastPhaseTransitionTime is null)
        {
            status.LastPhaseTransitionTime = oldStatus.LastPhaseTransitionTime;
        }
        else if (status.Phase != oldStatus.Phase &&
                 (status.LastPhaseTransitionTime is null || status.LastPhaseTransitionTime == oldStatus.LastPhaseTransitionTime))
        {
            status.LastPhaseTransitionTime = Timestamps.Truncate(now);
        }
    }

    protected override IEnumerable<FieldError> Validate(V1PersistentVolume obj)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        var errors = new List<FieldError>(VolumeRules.ValidateAccessModes(spec.AccessModes, "spec.accessModes", string.Empty));
        if (spec.Capacity is not { Count: > 0 })
        {
            errors.Add(FieldErrors.Required("spec.capacity"));
        }

        if (spec.Capacity is null || !spec.Capacity.ContainsKey(VolumeRules.Storage) || spec.Capacity.Count > 1)
        {
            errors.Add(FieldErrors.NotSupported("spec.capacity", CapacityText(spec.Capacity), [VolumeRules.Storage]));
        }

        foreach (var (name, quantity) in (spec.Capacity ?? new Dictionary<string, ResourceQuantity>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            errors.AddRange(VolumeRules.ValidatePositive(quantity, $"spec.capacity[{name}]"));
        }

        errors.AddRange(VolumeRules.ValidateClassName(spec.StorageClassName, "spec.storageClassName"));
        errors.AddRange(VolumeRules.ValidateVolumeMode(spec.VolumeMode, "spec.volumeMode"));
        if (!string.IsNullOrEmpty(spec.PersistentVolumeReclaimPolicy) && !ReclaimPolicies.Contains(spec.PersistentVolumeReclaimPolicy))
        {
            errors.Add(FieldErrors.NotSupported("spec.persistentVolumeReclaimPolicy", spec.PersistentVolumeReclaimPolicy, ReclaimPolicies));
        }

        var nodeAffinitySpecified = false;
        if (spec.NodeAffinity is not null)
        {
            nodeAffinitySpecified = spec.NodeAffinity.Required is not null;
            if (!nodeAffinitySpecified)
            {
                errors.Add(FieldErrors.Required("spec.nodeAffinity.required", "must specify required node constraints"));
            }
        }

        var found = 0;
        foreach (var (name, get) in Sources)
        {
            if (get(spec) is null)
            {
                continue;
            }

            if (found++ > 0)
            {
                errors.Add(FieldErrors.Forbidden($"spec.{name}", "may not specify more than 1 volume type"));
                continue;
            }

            errors.AddRange(ValidateSource(spec, $"spec.{name}"));
        }

        if (found == 0)
        {
            errors.Add(FieldErrors.Required("spec", "must specify a volume type"));
        }

        if (spec.Local is not null && !nodeAffinitySpecified)
        {
            errors.Add(FieldErrors.Required("spec.nodeAffinity", "Local volume requires node affinity"));
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1PersistentVolume obj, V1PersistentVolume old)
    {
        var errors = new List<FieldError>(Validate(obj));
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        var oldSpec = old.Spec ?? new V1PersistentVolumeSpec();
        var source = SourceOf(spec);
        var oldSource = SourceOf(oldSpec);
        if (source.ToJsonString() != oldSource.ToJsonString())
        {
            errors.Add(FieldErrors.Forbidden(
                "spec.persistentvolumesource",
                "spec.persistentvolumesource is immutable after creation\n" + SpecDiff.Describe("core.PersistentVolumeSource", oldSource, source)));
        }

        if (spec.VolumeMode != oldSpec.VolumeMode)
        {
            errors.Add(FieldErrors.Immutable("volumeMode", spec.VolumeMode));
        }

        if (oldSpec.NodeAffinity is not null && !SameJson(spec.NodeAffinity, oldSpec.NodeAffinity))
        {
            errors.Add(FieldErrors.Invalid("nodeAffinity", spec.NodeAffinity, "field is immutable"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1PersistentVolume obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new V1PersistentVolumeSpec();
        var claim = spec.ClaimRef is { } reference ? $"{reference.NamespaceProperty}/{reference.Name}" : string.Empty;
        var phase = obj.Metadata?.DeletionTimestamp is not null ? "Terminating" : obj.Status?.Phase ?? string.Empty;
        return
        [
            obj.Metadata?.Name,
            VolumeRules.StorageOf(spec.Capacity)?.ToString() ?? "0",
            VolumeRules.Short(spec.AccessModes),
            spec.PersistentVolumeReclaimPolicy ?? string.Empty,
            phase,
            claim,
            VolumeRules.ClassOf(obj.Metadata, spec.StorageClassName),
            spec.VolumeAttributesClassName ?? "<unset>",
            obj.Status?.Reason ?? string.Empty,
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            spec.VolumeMode ?? "<unset>",
        ];
    }

    /// <summary>The required fields of the sources Skiff clusters use (the others are accepted as given).</summary>
    private static IEnumerable<FieldError> ValidateSource(V1PersistentVolumeSpec spec, string path)
    {
        if (spec.HostPath is { } hostPath && string.IsNullOrEmpty(hostPath.Path))
        {
            yield return FieldErrors.Required($"{path}.path");
        }

        if (spec.Nfs is { } nfs)
        {
            if (string.IsNullOrEmpty(nfs.Server))
            {
                yield return FieldErrors.Required($"{path}.server");
            }

            if (string.IsNullOrEmpty(nfs.Path))
            {
                yield return FieldErrors.Required($"{path}.path");
            }
            else if (!nfs.Path.StartsWith('/'))
            {
                yield return FieldErrors.Invalid($"{path}.path", nfs.Path, "must be an absolute path");
            }
        }

        if (spec.Local is { } local && string.IsNullOrEmpty(local.Path))
        {
            yield return FieldErrors.Required($"{path}.path");
        }

        if (spec.Csi is { } csi)
        {
            if (string.IsNullOrEmpty(csi.Driver))
            {
                yield return FieldErrors.Required($"{path}.driver");
            }

            if (string.IsNullOrEmpty(csi.VolumeHandle))
            {
                yield return FieldErrors.Required($"{path}.volumeHandle");
            }
        }
    }

    private static JsonObject SourceOf(V1PersistentVolumeSpec spec)
    {
        var source = new JsonObject();
        foreach (var (name, get) in Sources)
        {
            if (get(spec) is { } value)
            {
                source[name] = JsonNode.Parse(KubernetesJson.Serialize(value));
            }
        }

        return source;
    }

    private static string CapacityText(IDictionary<string, ResourceQuantity>? capacity) =>
        "map[" + string.Join(" ", (capacity ?? new Dictionary<string, ResourceQuantity>())
            .OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}")) + "]";
}
