using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Plugins;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>The pod plugins moved out of the pod strategy, and the chain's order, against fakes.</summary>
public sealed class AdmissionPluginTests
{
    private static readonly ResourceDefinition Pods = ResourceCatalog.CreateBuiltIn().All.Single(d => d.Group.Length == 0 && d.Plural == "pods");

    internal sealed class NoObjects : IClusterObjects
    {
        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) => null;

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) => [];
    }

    private static AdmissionAttributes Create(V1Pod pod) => new()
    {
        Operation = AdmissionOperation.Create,
        Resource = Pods,
        Namespace = "default",
        Name = pod.Metadata.Name,
        Object = pod,
        User = new UserInfo("alice", ["system:authenticated"]),
        Cluster = new NoObjects(),
    };

    private static V1Pod Pod(string name = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    private static void AdmitAll(AdmissionAttributes a)
    {
        var chain = new AdmissionChain(AdmissionPlugins.Default(), new NoObjects());
        chain.Admit(a);
        chain.Validate(a);
    }

    [Fact]
    public void A_created_pod_gets_the_default_service_account_priority_and_tolerations()
    {
        var pod = Pod();
        AdmitAll(Create(pod));
        Assert.Equal("default", pod.Spec.ServiceAccountName);
        Assert.Equal("default", pod.Spec.ServiceAccount);
        Assert.Equal(0, pod.Spec.Priority);
        Assert.Equal("PreemptLowerPriority", pod.Spec.PreemptionPolicy);
        Assert.Equal(2, pod.Spec.Tolerations.Count);
        Assert.Contains(pod.Spec.Tolerations, t => t is { Key: "node.kubernetes.io/not-ready", OperatorProperty: "Exists", Effect: "NoExecute", TolerationSeconds: 300 });
        Assert.Contains(pod.Spec.Tolerations, t => t is { Key: "node.kubernetes.io/unreachable", OperatorProperty: "Exists", Effect: "NoExecute", TolerationSeconds: 300 });
    }

    [Fact]
    public void Explicit_values_stay_and_a_toleration_of_every_taint_needs_no_default()
    {
        var pod = Pod();
        pod.Spec.ServiceAccount = "builder";
        // Upstream refuses a priority that differs from the class's (see PriorityAdmissionTests); the computed one stays.
        pod.Spec.Priority = 0;
        pod.Spec.PreemptionPolicy = "PreemptLowerPriority";
        pod.Spec.Tolerations = [new V1Toleration { OperatorProperty = "Exists" }];
        AdmitAll(Create(pod));
        Assert.Equal("builder", pod.Spec.ServiceAccountName);
        Assert.Equal(0, pod.Spec.Priority);
        Assert.Single(pod.Spec.Tolerations);
    }

    private sealed class OneAccount(V1ServiceAccount account) : IClusterObjects
    {
        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) =>
            plural == "serviceaccounts" && ns == account.Metadata.NamespaceProperty && name == account.Metadata.Name ? account : null;

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) => plural == "serviceaccounts" ? [account] : [];
    }

    [Fact]
    public void A_pod_without_pull_secrets_gets_its_service_accounts_and_one_with_its_own_keeps_them()
    {
        var account = new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta { Name = "builder", NamespaceProperty = "default" },
            ImagePullSecrets = [new V1LocalObjectReference { Name = "regcred" }],
        };
        var plugin = new ServiceAccountAdmission();
        var pod = Pod();
        pod.Spec.ServiceAccountName = "builder";
        plugin.Admit(Create(pod) with { Cluster = new OneAccount(account) });
        Assert.Equal(["regcred"], pod.Spec.ImagePullSecrets.Select(s => s.Name));

        var own = Pod();
        own.Spec.ServiceAccountName = "builder";
        own.Spec.ImagePullSecrets = [new V1LocalObjectReference { Name = "mine" }];
        plugin.Admit(Create(own) with { Cluster = new OneAccount(account) });
        Assert.Equal(["mine"], own.Spec.ImagePullSecrets.Select(s => s.Name));
    }

    [Fact]
    public void Only_creates_of_pods_are_changed()
    {
        var pod = Pod();
        AdmitAll(Create(pod) with { Operation = AdmissionOperation.Update, OldObject = Pod() });
        Assert.Null(pod.Spec.ServiceAccountName);
        Assert.Null(pod.Spec.Tolerations);
        Assert.Null(pod.Spec.Priority);
    }

    [Fact]
    public void A_mirror_pod_is_left_as_its_file_says_and_may_not_reference_secrets()
    {
        var mirror = Pod("static-web-node1");
        mirror.Metadata.Annotations = new Dictionary<string, string> { [ServiceAccountAdmission.MirrorPodAnnotation] = "abc" };
        AdmitAll(Create(mirror));
        Assert.Null(mirror.Spec.ServiceAccountName);

        var withSecret = Pod("static-db-node1");
        withSecret.Metadata.Annotations = new Dictionary<string, string> { [ServiceAccountAdmission.MirrorPodAnnotation] = "abc" };
        withSecret.Spec.Volumes = [new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "db" } }];
        var refused = Assert.Throws<ApiException>(() => AdmitAll(Create(withSecret)));
        Assert.Equal(403, refused.Status.Code);
        Assert.Equal("pods \"static-db-node1\" is forbidden: a mirror pod may not reference secrets", refused.Status.Message);

        var withAccount = Pod("static-sa-node1");
        withAccount.Metadata.Annotations = new Dictionary<string, string> { [ServiceAccountAdmission.MirrorPodAnnotation] = "abc" };
        withAccount.Spec.ServiceAccountName = "robot";
        Assert.Equal("pods \"static-sa-node1\" is forbidden: a mirror pod may not reference service accounts",
            Assert.Throws<ApiException>(() => AdmitAll(Create(withAccount))).Status.Message);
    }

    private sealed class Recorder(string name, List<string> log) : IAdmissionPlugin
    {
        public string Name => name;

        public void Admit(AdmissionAttributes attributes) => log.Add("admit " + name);

        public void Validate(AdmissionAttributes attributes) => log.Add("validate " + name);
    }

    private sealed class MutateOnly : IAdmissionPlugin
    {
        public string Name => "MutateOnly";

        public void Admit(AdmissionAttributes attributes) => ((V1Pod)attributes.Object!).Metadata.Labels = new Dictionary<string, string> { ["admitted"] = "yes" };
    }

    [Fact]
    public void The_chain_runs_every_mutating_phase_in_order_before_any_validating_one()
    {
        var log = new List<string>();
        var chain = new AdmissionChain([new Recorder("A", log), new MutateOnly(), new Recorder("B", log)], new NoObjects());
        var pod = Pod();
        var attributes = Create(pod);
        chain.Admit(attributes);
        chain.Validate(attributes);
        Assert.Equal(["admit A", "admit B", "validate A", "validate B"], log);
        Assert.Equal("yes", pod.Metadata.Labels["admitted"]);
    }

    [Fact]
    public void Outside_a_request_there_is_no_user_and_nothing_to_admit()
    {
        RequestUser.Set(null);
        var chain = new AdmissionChain(AdmissionPlugins.Default(), new NoObjects());
        Assert.Null(chain.For(AdmissionOperation.Create, Pods, "default", "web", Pod(), null, dryRun: false));
        RequestUser.Set(new UserInfo("alice", []));
        Assert.Equal("alice", chain.For(AdmissionOperation.Create, Pods, "default", "web", Pod(), null, dryRun: false)!.User.Name);
    }

    [Fact]
    public void A_created_pod_gets_the_kube_api_access_volume_mounted_in_every_container()
    {
        var pod = Pod();
        pod.Spec.InitContainers = [new V1Container { Name = "init", Image = "busybox" }];
        AdmitAll(Create(pod));

        var volume = Assert.Single(pod.Spec.Volumes);
        Assert.Matches("^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$", volume.Name);
        Assert.Equal(420, volume.Projected.DefaultMode);
        Assert.Equal(3607, volume.Projected.Sources[0].ServiceAccountToken.ExpirationSeconds);
        Assert.Equal("token", volume.Projected.Sources[0].ServiceAccountToken.Path);
        Assert.Equal(("kube-root-ca.crt", "ca.crt"), (volume.Projected.Sources[1].ConfigMap.Name, volume.Projected.Sources[1].ConfigMap.Items.Single().Path));
        Assert.Equal("metadata.namespace", volume.Projected.Sources[2].DownwardAPI.Items.Single().FieldRef.FieldPath);
        foreach (var container in pod.Spec.InitContainers.Concat(pod.Spec.Containers))
        {
            var mount = Assert.Single(container.VolumeMounts);
            Assert.Equal((volume.Name, "/var/run/secrets/kubernetes.io/serviceaccount", true), (mount.Name, mount.MountPath, mount.ReadOnlyProperty));
        }
    }

    [Fact]
    public void Automount_false_on_the_pod_or_a_mount_of_ones_own_there_adds_no_token()
    {
        var optedOut = Pod();
        optedOut.Spec.AutomountServiceAccountToken = false;
        AdmitAll(Create(optedOut));
        Assert.Null(optedOut.Spec.Volumes);

        var own = Pod();
        own.Spec.Volumes = [new V1Volume { Name = "mine", EmptyDir = new V1EmptyDirVolumeSource() }];
        own.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "mine", MountPath = "/var/run/secrets/kubernetes.io/serviceaccount" }];
        AdmitAll(Create(own));
        Assert.Equal("mine", Assert.Single(own.Spec.Volumes).Name);
        Assert.Single(own.Spec.Containers[0].VolumeMounts);
    }
}
