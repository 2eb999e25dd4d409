using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Plugins;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>LimitRanger and ResourceQuota against an in-memory cluster: defaults, limits, quota charges and upstream's refusals.</summary>
public sealed class QuotaAdmissionTests
{
    private static readonly IReadOnlyList<ResourceDefinition> All = ResourceCatalog.CreateBuiltIn().All;
    private static readonly ResourceDefinition Pods = All.Single(d => d.Group.Length == 0 && d.Plural == "pods");
    private static readonly ResourceDefinition ConfigMaps = All.Single(d => d.Group.Length == 0 && d.Plural == "configmaps");

    /// <summary>Objects by plural; status updates replace the object (the registry's CAS loop is tested on the real server).</summary>
    private sealed class Cluster : IClusterObjects
    {
        public List<(string Plural, IKubernetesObject<V1ObjectMeta> Obj)> Objects { get; } = [];

        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) =>
            Objects.FirstOrDefault(o => o.Plural == plural && o.Obj.Metadata.Name == name).Obj;

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) =>
            [.. Objects.Where(o => o.Plural == plural).Select(o => o.Obj)];

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural, string ns) =>
            [.. Objects.Where(o => o.Plural == plural && o.Obj.Metadata.NamespaceProperty == ns).Select(o => o.Obj)];

        public Task UpdateStatusAsync(
            string group, string plural, string ns, string name, bool dryRun,
            Func<IKubernetesObject<V1ObjectMeta>, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct)
        {
            var i = Objects.FindIndex(o => o.Plural == plural && o.Obj.Metadata.Name == name);
            var copy = KubernetesJson.Deserialize<V1ResourceQuota>(KubernetesJson.Serialize(Objects[i].Obj));
            var updated = mutate(copy);
            if (!dryRun)
            {
                Objects[i] = (plural, updated);
            }

            return Task.CompletedTask;
        }
    }

    private static Dictionary<string, ResourceQuantity> List(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => new ResourceQuantity(i.Value));

    private static AdmissionAttributes Create(Cluster cluster, IKubernetesObject<V1ObjectMeta> obj, ResourceDefinition def) => new()
    {
        Operation = AdmissionOperation.Create,
        Resource = def,
        Namespace = "default",
        Name = obj.Metadata.Name,
        Object = obj,
        User = new UserInfo("alice", ["system:authenticated"]),
        Cluster = cluster,
    };

    private static V1Pod Pod(string name, V1ResourceRequirements? resources = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx", Resources = resources }] },
    };

    private static V1LimitRange Range(params V1LimitRangeItem[] items) =>
        new() { Metadata = new V1ObjectMeta { Name = "limits", NamespaceProperty = "default" }, Spec = new V1LimitRangeSpec { Limits = items } };

    private static V1ResourceQuota Quota(string name, Dictionary<string, ResourceQuantity> hard, Dictionary<string, ResourceQuantity>? used = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1ResourceQuotaSpec { Hard = hard },
        Status = used is null ? null : new V1ResourceQuotaStatus { Hard = new Dictionary<string, ResourceQuantity>(hard), Used = used },
    };

    private static string Refusal(Action admit) => Assert.Throws<ApiException>(admit).Status.Message;

    private static async Task<string> RefusalAsync(Func<Task> admit) => (await Assert.ThrowsAsync<ApiException>(admit)).Status.Message;

    [Fact]
    public void LimitRanger_defaults_requests_and_limits_and_records_what_it_set()
    {
        var cluster = new Cluster();
        cluster.Objects.Add(("limitranges", Range(new V1LimitRangeItem
        {
            Type = "Container",
            DefaultProperty = List(("cpu", "500m"), ("memory", "256Mi")),
            DefaultRequest = List(("cpu", "100m"), ("memory", "128Mi")),
        })));
        var plugin = new LimitRangerAdmission();
        var pod = Pod("p");
        plugin.Admit(Create(cluster, pod, Pods));
        plugin.Validate(Create(cluster, pod, Pods));
        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("500m", resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", resources.Requests["memory"].ToString());
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c", pod.Metadata.Annotations[LimitRangerAdmission.Annotation]);

        // A limit the user gave is its own request: the default request does not apply to it.
        var limited = Pod("q", new V1ResourceRequirements { Limits = List(("cpu", "200m")) });
        plugin.Admit(Create(cluster, limited, Pods));
        Assert.False(limited.Spec.Containers[0].Resources.Requests.ContainsKey("cpu"));
        Assert.Equal("128Mi", limited.Spec.Containers[0].Resources.Requests["memory"].ToString());
    }

    [Fact]
    public void LimitRanger_refuses_containers_and_pods_outside_min_max_and_ratio_with_upstreams_words()
    {
        var cluster = new Cluster();
        cluster.Objects.Add(("limitranges", Range(
            new V1LimitRangeItem { Type = "Container", Max = List(("cpu", "1")), Min = List(("memory", "64Mi")), MaxLimitRequestRatio = List(("cpu", "2")) },
            new V1LimitRangeItem { Type = "Pod", Max = List(("memory", "1Gi")) })));
        var plugin = new LimitRangerAdmission();

        var big = Pod("big", new V1ResourceRequirements { Limits = List(("cpu", "2"), ("memory", "128Mi")), Requests = List(("cpu", "1500m")) });
        Assert.Equal("pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2", Refusal(() => plugin.Validate(Create(cluster, big, Pods))));

        var ratio = Pod("ratio", new V1ResourceRequirements { Limits = List(("cpu", "1"), ("memory", "128Mi")), Requests = List(("cpu", "250m")) });
        Assert.Equal(
            "pods \"ratio\" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000",
            Refusal(() => plugin.Validate(Create(cluster, ratio, Pods))));

        var none = Pod("none");
        Assert.Equal(
            "pods \"none\" is forbidden: [minimum memory usage per Container is 64Mi.  No request is specified, maximum cpu usage per Container is 1.  No limit is specified, "
            + "cpu max limit to request ratio per Container is 2, but no request is specified or request is 0, maximum memory usage per Pod is 1Gi.  No limit is specified]",
            Refusal(() => plugin.Validate(Create(cluster, none, Pods))));

        var fits = Pod("fits", new V1ResourceRequirements { Limits = List(("cpu", "1"), ("memory", "512Mi")), Requests = List(("cpu", "500m")) });
        plugin.Validate(Create(cluster, fits, Pods));
    }

    [Fact]
    public async Task Quota_charges_used_and_refuses_the_create_beyond_hard_with_upstreams_message()
    {
        var cluster = new Cluster();
        cluster.Objects.Add(("resourcequotas", Quota("q", List(("pods", "2"), ("count/configmaps", "5")), List(("pods", "1"), ("count/configmaps", "0")))));
        var plugin = new ResourceQuotaAdmission();

        await plugin.ValidateAsync(Create(cluster, Pod("a"), Pods), CancellationToken.None);
        var quota = (V1ResourceQuota)cluster.Get("", "resourcequotas", "default", "q")!;
        Assert.Equal("2", quota.Status.Used["pods"].ToString());
        Assert.Equal("0", quota.Status.Used["count/configmaps"].ToString());

        Assert.Equal(
            "pods \"b\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2",
            await RefusalAsync(() => plugin.ValidateAsync(Create(cluster, Pod("b"), Pods), CancellationToken.None)));

        // Other kinds are counted under count/<resource>; a dry run charges nothing.
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c", NamespaceProperty = "default" } };
        await plugin.ValidateAsync(Create(cluster, cm, ConfigMaps) with { DryRun = true }, CancellationToken.None);
        Assert.Equal("0", ((V1ResourceQuota)cluster.Get("", "resourcequotas", "default", "q")!).Status.Used["count/configmaps"].ToString());
        await plugin.ValidateAsync(Create(cluster, cm, ConfigMaps), CancellationToken.None);
        Assert.Equal("1", ((V1ResourceQuota)cluster.Get("", "resourcequotas", "default", "q")!).Status.Used["count/configmaps"].ToString());
    }

    [Fact]
    public async Task Quota_on_compute_requires_every_container_to_set_it_and_sums_requests()
    {
        var cluster = new Cluster();
        cluster.Objects.Add(("resourcequotas", Quota("q", List(("limits.cpu", "1"), ("requests.memory", "1Gi")), List(("limits.cpu", "500m"), ("requests.memory", "0")))));
        var plugin = new ResourceQuotaAdmission();

        Assert.Equal(
            "pods \"bare\" is forbidden: failed quota: q: must specify limits.cpu for: c; requests.memory for: c",
            await RefusalAsync(() => plugin.ValidateAsync(Create(cluster, Pod("bare"), Pods), CancellationToken.None)));

        var pod = Pod("p", new V1ResourceRequirements { Limits = List(("cpu", "250m"), ("memory", "256Mi")) });
        await plugin.ValidateAsync(Create(cluster, pod, Pods), CancellationToken.None);
        var quota = (V1ResourceQuota)cluster.Get("", "resourcequotas", "default", "q")!;
        Assert.Equal("750m", quota.Status.Used["limits.cpu"].ToString());
        Assert.Equal("256Mi", quota.Status.Used["requests.memory"].ToString());

        var big = Pod("big", new V1ResourceRequirements { Limits = List(("cpu", "500m"), ("memory", "256Mi")) });
        Assert.Equal(
            "pods \"big\" is forbidden: exceeded quota: q, requested: limits.cpu=500m, used: limits.cpu=750m, limited: limits.cpu=1",
            await RefusalAsync(() => plugin.ValidateAsync(Create(cluster, big, Pods), CancellationToken.None)));
    }

    [Fact]
    public async Task A_quota_the_controller_has_not_counted_yet_does_not_constrain_and_missing_usage_is_unknown()
    {
        var cluster = new Cluster();
        cluster.Objects.Add(("resourcequotas", Quota("fresh", List(("pods", "0")))));
        var plugin = new ResourceQuotaAdmission();
        await plugin.ValidateAsync(Create(cluster, Pod("a"), Pods), CancellationToken.None);

        var partial = Quota("partial", List(("pods", "5")), List());
        cluster.Objects.Add(("resourcequotas", partial));
        Assert.Equal(
            "pods \"b\" is forbidden: status unknown for quota: partial, resources: pods",
            await RefusalAsync(() => plugin.ValidateAsync(Create(cluster, Pod("b"), Pods), CancellationToken.None)));
    }
}
