namespace Skiff.ApiServer.Tests;

/// <summary>
/// End-to-end with kubectl v1.32: PersistentVolumeClaims, PersistentVolumes and StorageClasses are served with
/// upstream's defaults, printer columns and refusals. Nothing binds here (no provisioner or binder runs): a claim
/// stays Pending, a volume Pending.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlStorageTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    [Fact]
    public async Task A_claim_is_created_pending_listed_with_upstreams_columns_and_keeps_its_spec()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var file = await _kubectl.WriteFileAsync($"{ns}-pvc.yaml", $"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
              namespace: {ns}
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: standard
              resources:
                requests:
                  storage: 1Gi
            """);
        Assert.Equal("persistentvolumeclaim/data created\n", await _kubectl.OkAsync("create", "-f", file));

        var table = await _kubectl.OkAsync("get", "pvc", "-n", ns);
        Assert.Matches(@"^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE\n", table);
        Assert.Matches(@"(?m)^data +Pending +standard +<unset> +\S+$", table);
        Assert.Matches(@"(?m)^data +Pending +standard +<unset> +\S+ +Filesystem$", await _kubectl.OkAsync("get", "pvc", "data", "-n", ns, "-o", "wide"));
        Assert.Equal("Pending Filesystem", await _kubectl.OkAsync("get", "persistentvolumeclaim", "data", "-n", ns, "-o", "jsonpath={.status.phase} {.spec.volumeMode}"));

        var grow = await _kubectl.RunAsync("patch", "pvc", "data", "-n", ns, "--type=merge", "-p", "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"2Gi\"}}}}");
        Assert.Equal(1, grow.Code);
        Assert.Contains(
            "PersistentVolumeClaim \"data\" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
            grow.Err, StringComparison.Ordinal);

        var bad = await _kubectl.WriteFileAsync($"{ns}-bad.yaml", $"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: bad
              namespace: {ns}
            spec:
              resources:
                limits:
                  cpu: "1"
            """);
        var refused = await _kubectl.RunAsync("create", "-f", bad);
        Assert.Equal(1, refused.Code);
        // kubectl prints each cause of a multi-cause Invalid on its own line.
        Assert.Contains("The PersistentVolumeClaim \"bad\" is invalid: \n", refused.Err, StringComparison.Ordinal);
        Assert.Contains("* spec.accessModes: Required value: at least 1 access mode is required\n", refused.Err, StringComparison.Ordinal);
        Assert.Contains("* spec.resources[storage]: Required value\n", refused.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Volumes_and_classes_get_their_defaults_and_columns()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        // Both kinds are cluster-scoped and the server is shared by the collection: names carry a namespace's.
        var ns = await fx.NewNamespaceAsync();
        var pv = $"pv-{ns}";
        var sc = $"sc-{ns}";
        var file = await _kubectl.WriteFileAsync($"{ns}-storage.yaml", $"""
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: {pv}
            spec:
              capacity:
                storage: 5Gi
              accessModes: [ReadWriteOnce, ReadOnlyMany]
              storageClassName: {sc}
              hostPath:
                path: /srv/{pv}
            ---
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata:
              name: {sc}
            provisioner: example.com/none
            """);
        Assert.Equal($"persistentvolume/{pv} created\nstorageclass.storage.k8s.io/{sc} created\n", await _kubectl.OkAsync("create", "-f", file));

        var volumes = await _kubectl.OkAsync("get", "pv", pv);
        Assert.Matches(@"^NAME +CAPACITY +ACCESS MODES +RECLAIM POLICY +STATUS +CLAIM +STORAGECLASS +VOLUMEATTRIBUTESCLASS +REASON +AGE\n", volumes);
        Assert.Matches($@"(?m)^{pv} +5Gi +RWO,ROX +Retain +Pending +{sc} +<unset> +\S+$", volumes);

        var classes = await _kubectl.OkAsync("get", "sc", sc);
        Assert.Matches(@"^NAME +PROVISIONER +RECLAIMPOLICY +VOLUMEBINDINGMODE +ALLOWVOLUMEEXPANSION +AGE\n", classes);
        Assert.Matches($@"(?m)^{sc} +example.com/none +Delete +Immediate +false +\S+$", classes);

        var moved = await _kubectl.RunAsync("patch", "pv", pv, "--type=merge", "-p", "{\"spec\":{\"hostPath\":{\"path\":\"/elsewhere\"}}}");
        Assert.Equal(1, moved.Code);
        Assert.Contains("spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation", moved.Err, StringComparison.Ordinal);

        var reprovisioned = await _kubectl.RunAsync("patch", "sc", sc, "--type=merge", "-p", "{\"provisioner\":\"example.com/other\"}");
        Assert.Equal(1, reprovisioned.Code);
        Assert.Contains("provisioner: Forbidden: updates to provisioner are forbidden.", reprovisioned.Err, StringComparison.Ordinal);

        var sourceless = await _kubectl.WriteFileAsync($"{ns}-sourceless.yaml", $"""
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: none-{ns}
            spec:
              capacity:
                storage: 1Gi
              accessModes: [ReadWriteOnce]
            """);
        var refused = await _kubectl.RunAsync("create", "-f", sourceless);
        Assert.Equal(1, refused.Code);
        Assert.Contains($"PersistentVolume \"none-{ns}\" is invalid: spec: Required value: must specify a volume type", refused.Err, StringComparison.Ordinal);

        await _kubectl.OkAsync("delete", "pv", pv);
        await _kubectl.OkAsync("delete", "sc", sc);
    }
}
