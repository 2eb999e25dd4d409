using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Strategies.Scheduling;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Plugins;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>The Priority plugin against fake PriorityClasses: a pod's priority and preemption policy come from its
/// class (or the global default), with upstream's refusals; only one class may be the global default; the system
/// classes cannot be deleted.</summary>
public sealed class PriorityAdmissionTests
{
    private static readonly IReadOnlyList<ResourceDefinition> All = ResourceCatalog.CreateBuiltIn().All;
    private static readonly ResourceDefinition Pods = All.Single(d => d.Group.Length == 0 && d.Plural == "pods");
    private static readonly ResourceDefinition PriorityClasses = All.Single(d => d.Plural == "priorityclasses");
    private static readonly PriorityAdmission Plugin = new();

    private sealed class Classes(params V1PriorityClass[] classes) : IClusterObjects
    {
        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) =>
            plural == "priorityclasses" ? classes.FirstOrDefault(c => c.Metadata.Name == name) : null;

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) => plural == "priorityclasses" ? classes : [];
    }

    private static V1PriorityClass Class(string name, int value, bool globalDefault = false, string policy = "PreemptLowerPriority") =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Value = value, GlobalDefault = globalDefault, PreemptionPolicy = policy };

    private static readonly Classes Cluster = new([.. SystemPriorityClasses.Create(), Class("high", 1000), Class("polite", 500, policy: "Never")]);

    private static V1Pod Pod(string? priorityClassName = null, string ns = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }], PriorityClassName = priorityClassName },
    };

    private static AdmissionAttributes Request(AdmissionOperation op, ResourceDefinition def, IKubernetesObject<V1ObjectMeta>? obj, IClusterObjects cluster,
        IKubernetesObject<V1ObjectMeta>? old = null, string? name = null) => new()
    {
        Operation = op,
        Resource = def,
        Namespace = obj?.Metadata?.NamespaceProperty ?? string.Empty,
        Name = name ?? obj?.Metadata?.Name ?? string.Empty,
        Object = obj,
        OldObject = old,
        User = new UserInfo("alice", ["system:authenticated"]),
        Cluster = cluster,
    };

    private static V1Pod Admitted(V1Pod pod, IClusterObjects? cluster = null)
    {
        Plugin.Admit(Request(AdmissionOperation.Create, Pods, pod, cluster ?? Cluster));
        return pod;
    }

    private static V1Status Refusal(Action act)
    {
        var status = Assert.Throws<ApiException>(act).Status;
        Assert.Equal(403, status.Code);
        Assert.Equal("Forbidden", status.Reason);
        return status;
    }

    [Fact]
    public void A_pod_gets_the_value_and_policy_of_its_class()
    {
        var high = Admitted(Pod("high"));
        Assert.Equal((1000, "PreemptLowerPriority"), (high.Spec.Priority, high.Spec.PreemptionPolicy));
        var polite = Admitted(Pod("polite"));
        Assert.Equal((500, "Never"), (polite.Spec.Priority, polite.Spec.PreemptionPolicy));
    }

    [Fact]
    public void System_classes_resolve_in_any_namespace()
    {
        // Upstream dropped the kube-system-only rule in 1.17 (quota limits their use instead).
        Assert.Equal(2_000_001_000, Admitted(Pod("system-node-critical", ns: "default")).Spec.Priority);
        Assert.Equal(2_000_000_000, Admitted(Pod("system-cluster-critical", ns: "kube-system")).Spec.Priority);
    }

    [Fact]
    public void An_unknown_class_is_forbidden()
    {
        var status = Refusal(() => Admitted(Pod("missing")));
        Assert.Equal("pods \"web\" is forbidden: no PriorityClass with name missing was found", status.Message);
    }

    [Fact]
    public void Without_a_class_a_pod_gets_the_lowest_global_default_or_zero()
    {
        var none = Admitted(Pod());
        Assert.Equal((0, "PreemptLowerPriority", null), (none.Spec.Priority, none.Spec.PreemptionPolicy, none.Spec.PriorityClassName));

        var defaults = new Classes(Class("high", 1000), Class("batch", 10, globalDefault: true, policy: "Never"), Class("race", 20, globalDefault: true));
        var pod = Admitted(Pod(), defaults);
        Assert.Equal((10, "Never", "batch"), (pod.Spec.Priority, pod.Spec.PreemptionPolicy, pod.Spec.PriorityClassName));
    }

    [Fact]
    public void A_priority_or_policy_that_differs_from_the_class_is_forbidden_and_a_matching_one_is_kept()
    {
        var seven = Pod();
        seven.Spec.Priority = 7;
        Assert.Equal(
            "pods \"web\" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name",
            Refusal(() => Admitted(seven)).Message);

        var never = Pod("high");
        never.Spec.PreemptionPolicy = "Never";
        Assert.Equal(
            "pods \"web\" is forbidden: the string value of PreemptionPolicy (Never) must not be provided in pod spec; priority admission controller computed PreemptLowerPriority from the given PriorityClass name",
            Refusal(() => Admitted(never)).Message);

        var matching = Pod("high");
        matching.Spec.Priority = 1000;
        matching.Spec.PreemptionPolicy = "PreemptLowerPriority";
        Assert.Equal(1000, Admitted(matching).Spec.Priority);
    }

    [Fact]
    public void An_update_that_omits_priority_keeps_the_stored_one()
    {
        var old = Admitted(Pod("polite"));
        var update = Pod("polite");
        Plugin.Admit(Request(AdmissionOperation.Update, Pods, update, Cluster, old));
        Assert.Equal((500, "Never"), (update.Spec.Priority, update.Spec.PreemptionPolicy));
    }

    [Fact]
    public void Only_one_class_may_be_the_global_default()
    {
        var cluster = new Classes(Class("batch", 10, globalDefault: true));
        Plugin.Validate(Request(AdmissionOperation.Create, PriorityClasses, Class("other", 5), cluster));
        Plugin.Validate(Request(AdmissionOperation.Update, PriorityClasses, Class("batch", 10, globalDefault: true), cluster, Class("batch", 10, globalDefault: true)));

        Assert.Equal(
            "priorityclasses.scheduling.k8s.io \"second\" is forbidden: PriorityClass batch is already marked as default. Only one default can exist",
            Refusal(() => Plugin.Validate(Request(AdmissionOperation.Create, PriorityClasses, Class("second", 5, globalDefault: true), cluster))).Message);
        Refusal(() => Plugin.Validate(Request(AdmissionOperation.Update, PriorityClasses, Class("high", 1000, globalDefault: true), cluster, Class("high", 1000))));
    }

    [Fact]
    public void System_classes_cannot_be_deleted_and_others_can()
    {
        var status = Refusal(() => Plugin.Validate(Request(AdmissionOperation.Delete, PriorityClasses, null, Cluster, SystemPriorityClasses.Create()[0], "system-node-critical")));
        Assert.Equal("priorityclasses.scheduling.k8s.io \"system-node-critical\" is forbidden: this is a system priority class and cannot be deleted", status.Message);
        Plugin.Validate(Request(AdmissionOperation.Delete, PriorityClasses, null, Cluster, Class("high", 1000), "high"));
    }
}
