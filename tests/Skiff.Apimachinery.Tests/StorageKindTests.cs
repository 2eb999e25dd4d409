using k8s.Models;
using Skiff.Apimachinery.Strategies.Storage;

namespace Skiff.Apimachinery.Tests;

/// <summary>PersistentVolumeClaims, PersistentVolumes and StorageClasses: upstream's defaults, messages and printers.</summary>
public sealed class StorageKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 21, 0, 0, TimeSpan.Zero);
    private static readonly PersistentVolumeClaimStrategy Claims = new();
    private static readonly PersistentVolumeStrategy Volumes = new();
    private static readonly StorageClassStrategy Classes = new();

    private static V1PersistentVolumeClaim Claim(string storage = "1Gi", params string[] modes) => new()
    {
        Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "demo" },
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = modes.Length == 0 ? ["ReadWriteOnce"] : modes,
            Resources = new V1VolumeResourceRequirements
            {
                Requests = storage.Length == 0 ? new Dictionary<string, ResourceQuantity>() : new Dictionary<string, ResourceQuantity> { ["storage"] = new(storage) },
            },
        },
    };

    private static V1PersistentVolume Volume(Action<V1PersistentVolumeSpec>? change = null)
    {
        var pv = new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv-1" },
            Spec = new V1PersistentVolumeSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("10Gi") },
                HostPath = new V1HostPathVolumeSource { Path = "/srv/pv-1" },
            },
        };
        change?.Invoke(pv.Spec);
        return pv;
    }

    private static List<string> Create<T>(Strategies.ResourceStrategy<T> strategy, T obj)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        strategy.PrepareForCreate(obj, Now);
        return strategy.ValidateCreate(obj).Select(e => e.ToString()).ToList();
    }

    private static List<string> Update<T>(Strategies.ResourceStrategy<T> strategy, T updated, T old)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        strategy.PrepareForUpdate(updated, old, Now);
        return strategy.ValidateUpdate(updated, old).Select(e => e.ToString()).ToList();
    }

    private static T Copy<T>(T obj) => k8s.KubernetesJson.Deserialize<T>(k8s.KubernetesJson.Serialize(obj));

    [Fact]
    public void A_new_claim_is_pending_with_a_filesystem_volume_mode_and_no_generation()
    {
        var pvc = Claim();
        pvc.Status = new V1PersistentVolumeClaimStatus { Phase = "Bound" };
        Assert.Empty(Create(Claims, pvc));
        Assert.Equal("Pending", pvc.Status.Phase);
        Assert.Equal("Filesystem", pvc.Spec.VolumeMode);
        Assert.Null(pvc.Metadata.Generation);
    }

    [Fact]
    public void A_claim_needs_access_modes_from_the_known_set_and_a_positive_storage_request()
    {
        Assert.Equal(["spec.accessModes: Required value: at least 1 access mode is required"], Create(Claims, NoModes()));
        Assert.Equal(
            ["spec.accessModes: Unsupported value: \"ReadWriteSometimes\": supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""],
            Create(Claims, Claim("1Gi", "ReadWriteSometimes")));
        Assert.Equal(["spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes"], Create(Claims, Claim("1Gi", "ReadWriteOncePod", "ReadWriteOnce")));
        Assert.Equal(["spec.resources[storage]: Required value"], Create(Claims, Claim(string.Empty)));
        Assert.Equal(["spec.resources[storage]: Invalid value: \"0\": must be greater than zero"], Create(Claims, Claim("0")));

        var block = Claim();
        block.Spec.VolumeMode = "Raw";
        Assert.Equal(["spec.volumeMode: Unsupported value: \"Raw\": supported values: \"Block\", \"Filesystem\""], Create(Claims, block));
    }

    private static V1PersistentVolumeClaim NoModes()
    {
        var pvc = Claim();
        pvc.Spec.AccessModes = [];
        return pvc;
    }

    [Fact]
    public void A_claim_spec_is_immutable_except_binding_a_volume_once_and_growing_a_bound_claim()
    {
        var old = Claim();
        Create(Claims, old);

        var bound = Copy(old);
        bound.Spec.VolumeName = "pv-1";
        Assert.Empty(Update(Claims, bound, old));

        var grown = Copy(old);
        grown.Spec.Resources.Requests["storage"] = new ResourceQuantity("2Gi");
        var errors = Update(Claims, grown, old);
        Assert.Single(errors);
        Assert.StartsWith("spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims", errors[0]);

        var boundOld = Copy(old);
        boundOld.Spec.VolumeName = "pv-1";
        boundOld.Status = new V1PersistentVolumeClaimStatus { Phase = "Bound", Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } };
        var boundGrown = Copy(boundOld);
        boundGrown.Spec.Resources.Requests["storage"] = new ResourceQuantity("2Gi");
        Assert.Empty(Update(Claims, boundGrown, boundOld));

        var shrunk = Copy(boundOld);
        shrunk.Spec.Resources.Requests["storage"] = new ResourceQuantity("512Mi");
        Assert.Equal(["spec.resources.requests.storage: Forbidden: field can not be less than status.capacity"], Update(Claims, shrunk, boundOld));

        var otherMode = Copy(old);
        otherMode.Spec.AccessModes = ["ReadWriteMany"];
        Assert.Contains(Update(Claims, otherMode, old), e => e.StartsWith("spec: Forbidden: spec is immutable", StringComparison.Ordinal) && e.Contains("AccessModes", StringComparison.Ordinal));

        var rebind = Copy(boundOld);
        rebind.Spec.VolumeName = "pv-2";
        Assert.Contains(Update(Claims, rebind, boundOld), e => e.StartsWith("spec: Forbidden", StringComparison.Ordinal));

        var block = Copy(old);
        block.Spec.VolumeMode = "Block";
        Assert.Contains("volumeMode: Invalid value: \"Block\": field is immutable", Update(Claims, block, old));
    }

    [Fact]
    public void A_claim_without_a_class_may_get_one_once()
    {
        var old = Claim();
        Create(Claims, old);
        var classed = Copy(old);
        classed.Spec.StorageClassName = "standard";
        Assert.Empty(Update(Claims, classed, old));

        var again = Copy(classed);
        again.Spec.StorageClassName = "fast";
        Assert.Contains(Update(Claims, again, classed), e => e.StartsWith("spec: Forbidden", StringComparison.Ordinal));
    }

    [Fact]
    public void The_claim_printer_has_upstreams_columns_and_shows_capacity_only_once_bound()
    {
        Assert.Equal(
            ["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"],
            Claims.Columns.Select(c => c.Name));
        Assert.Equal(1, Claims.Columns[^1].Priority);

        var pvc = Claim();
        pvc.Spec.StorageClassName = "standard";
        Create(Claims, pvc);
        pvc.Metadata.CreationTimestamp = Now.UtcDateTime.AddMinutes(-3);
        Assert.Equal(["data", "Pending", "", "", "", "standard", "<unset>", "3m", "Filesystem"], Claims.Cells(pvc, Now));

        pvc.Spec.VolumeName = "pv-1";
        pvc.Status = new V1PersistentVolumeClaimStatus
        {
            Phase = "Bound", AccessModes = ["ReadWriteMany", "ReadWriteOnce"], Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new("2Gi") },
        };
        pvc.Metadata.Annotations = new Dictionary<string, string> { ["volume.beta.kubernetes.io/storage-class"] = "old-style" };
        Assert.Equal(["data", "Bound", "pv-1", "2Gi", "RWO,RWX", "old-style", "<unset>", "3m", "Filesystem"], Claims.Cells(pvc, Now));
    }

    [Fact]
    public void A_new_volume_is_pending_since_now_with_retain_and_filesystem()
    {
        var pv = Volume();
        Assert.Empty(Create(Volumes, pv));
        Assert.Equal("Pending", pv.Status.Phase);
        Assert.Equal(Now.UtcDateTime, pv.Status.LastPhaseTransitionTime);
        Assert.Equal("Retain", pv.Spec.PersistentVolumeReclaimPolicy);
        Assert.Equal("Filesystem", pv.Spec.VolumeMode);
    }

    [Fact]
    public void A_volume_needs_modes_one_storage_capacity_and_exactly_one_source()
    {
        Assert.Equal(["spec.accessModes: Required value"], Create(Volumes, Volume(s => s.AccessModes = null)));
        Assert.Equal(
            ["spec.capacity: Required value", "spec.capacity: Unsupported value: \"map[]\": supported values: \"storage\""],
            Create(Volumes, Volume(s => s.Capacity = null)));
        Assert.Equal(
            ["spec.capacity: Unsupported value: \"map[cpu:1 storage:10Gi]\": supported values: \"storage\""],
            Create(Volumes, Volume(s => s.Capacity["cpu"] = new ResourceQuantity("1"))));
        Assert.Equal(["spec: Required value: must specify a volume type"], Create(Volumes, Volume(s => s.HostPath = null)));
        Assert.Equal(
            ["spec.nfs: Forbidden: may not specify more than 1 volume type"],
            Create(Volumes, Volume(s => s.Nfs = new V1NFSVolumeSource { Server = "10.0.0.1", Path = "/x" })));
        Assert.Equal(
            ["spec.persistentVolumeReclaimPolicy: Unsupported value: \"Keep\": supported values: \"Delete\", \"Recycle\", \"Retain\""],
            Create(Volumes, Volume(s => s.PersistentVolumeReclaimPolicy = "Keep")));
        Assert.Equal(
            ["spec.nodeAffinity: Required value: Local volume requires node affinity"],
            Create(Volumes, Volume(s => (s.HostPath, s.Local) = (null, new V1LocalVolumeSource { Path = "/mnt/disk" }))));
    }

    [Fact]
    public void A_volume_source_never_changes_but_capacity_and_claim_may()
    {
        var old = Volume();
        Create(Volumes, old);
        var resized = Copy(old);
        resized.Spec.Capacity["storage"] = new ResourceQuantity("20Gi");
        resized.Spec.ClaimRef = new V1ObjectReference { NamespaceProperty = "demo", Name = "data" };
        Assert.Empty(Update(Volumes, resized, old));

        var moved = Copy(old);
        moved.Spec.HostPath.Path = "/elsewhere";
        var errors = Update(Volumes, moved, old);
        Assert.Single(errors);
        Assert.StartsWith("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation", errors[0]);
    }

    [Fact]
    public void A_status_write_that_changes_the_phase_stamps_the_transition()
    {
        var old = Volume();
        Create(Volumes, old);
        var later = Now.AddMinutes(5);
        var available = Copy(old);
        available.Status.Phase = "Available";
        Volumes.PrepareForStatusUpdate(available, old, later);
        Assert.Equal(later.UtcDateTime, available.Status.LastPhaseTransitionTime);

        var same = Copy(available);
        same.Status.LastPhaseTransitionTime = null;
        same.Status.Message = "still";
        Volumes.PrepareForStatusUpdate(same, available, later.AddMinutes(1));
        Assert.Equal(later.UtcDateTime, same.Status.LastPhaseTransitionTime);
    }

    [Fact]
    public void The_volume_printer_has_upstreams_columns()
    {
        Assert.Equal(
            ["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"],
            Volumes.Columns.Select(c => c.Name));
        var pv = Volume(s => (s.ClaimRef, s.StorageClassName) = (new V1ObjectReference { NamespaceProperty = "demo", Name = "data" }, "manual"));
        Create(Volumes, pv);
        pv.Metadata.CreationTimestamp = Now.UtcDateTime.AddSeconds(-20);
        Assert.Equal(["pv-1", "10Gi", "RWO", "Retain", "Pending", "demo/data", "manual", "<unset>", "", "20s", "Filesystem"], Volumes.Cells(pv, Now));
    }

    [Fact]
    public void A_storage_class_defaults_to_delete_and_immediate_and_keeps_its_rules()
    {
        var sc = new V1StorageClass { Metadata = new V1ObjectMeta { Name = "standard" }, Provisioner = "rancher.io/local-path" };
        Assert.Empty(Create(Classes, sc));
        Assert.Equal("Delete", sc.ReclaimPolicy);
        Assert.Equal("Immediate", sc.VolumeBindingMode);

        Assert.Equal(["provisioner: Required value"], Create(Classes, new V1StorageClass { Metadata = new V1ObjectMeta { Name = "x" } }));
        Assert.Equal(
            ["reclaimPolicy: Unsupported value: \"Recycle\": supported values: \"Delete\", \"Retain\""],
            Create(Classes, new V1StorageClass { Metadata = new V1ObjectMeta { Name = "x" }, Provisioner = "p", ReclaimPolicy = "Recycle" }));
        Assert.Equal(
            ["volumeBindingMode: Unsupported value: \"Later\": supported values: \"Immediate\", \"WaitForFirstConsumer\""],
            Create(Classes, new V1StorageClass { Metadata = new V1ObjectMeta { Name = "x" }, Provisioner = "p", VolumeBindingMode = "Later" }));

        var changed = Copy(sc);
        changed.Provisioner = "other.io/x";
        changed.Parameters = new Dictionary<string, string> { ["type"] = "ssd" };
        changed.ReclaimPolicy = "Retain";
        changed.VolumeBindingMode = "WaitForFirstConsumer";
        changed.AllowVolumeExpansion = true;
        Assert.Equal(
            [
                "parameters: Forbidden: updates to parameters are forbidden.",
                "provisioner: Forbidden: updates to provisioner are forbidden.",
                "reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.",
                "volumeBindingMode: Invalid value: \"WaitForFirstConsumer\": field is immutable",
            ],
            Update(Classes, changed, sc));

        var expandable = Copy(sc);
        expandable.AllowVolumeExpansion = true;
        Assert.Empty(Update(Classes, expandable, sc));
    }

    [Fact]
    public void The_storage_class_printer_marks_the_default_class()
    {
        Assert.Equal(["Name", "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"], Classes.Columns.Select(c => c.Name));
        var sc = new V1StorageClass
        {
            Metadata = new V1ObjectMeta { Name = "local-path", Annotations = new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" } },
            Provisioner = "rancher.io/local-path",
            VolumeBindingMode = "WaitForFirstConsumer",
        };
        Create(Classes, sc);
        sc.Metadata.CreationTimestamp = Now.UtcDateTime.AddHours(-2);
        Assert.Equal(["local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer", false, "120m"], Classes.Cells(sc, Now));
    }
}
