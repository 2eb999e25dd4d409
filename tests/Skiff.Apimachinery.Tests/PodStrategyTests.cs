using k8s;
using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Strategies.Pods;

namespace Skiff.Apimachinery.Tests;

public sealed class PodStrategyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 0, 6, TimeSpan.Zero);
    private readonly PodStrategy _strategy = new();

    private static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", CreationTimestamp = Now.UtcDateTime },
        Spec = new V1PodSpec { Containers = containers.Length == 0 ? [new V1Container { Name = "web", Image = "nginx" }] : containers },
    };

    private V1Pod Created(V1Pod? pod = null)
    {
        pod ??= Pod();
        _strategy.PrepareForCreate(pod, Now);
        return pod;
    }

    private List<string> CreateErrors(V1Pod pod)
    {
        _strategy.PrepareForCreate(pod, Now);
        return _strategy.ValidateCreate(pod).Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void Create_fills_the_defaults_a_real_api_server_returns()
    {
        var pod = Created();
        var spec = pod.Spec;
        Assert.Equal("Always", spec.RestartPolicy);
        Assert.Equal("ClusterFirst", spec.DnsPolicy);
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.Equal("default-scheduler", spec.SchedulerName);
        Assert.NotNull(spec.SecurityContext);
        Assert.True(spec.EnableServiceLinks);
        // Service account, priority and default tolerations are admission's (Skiff.ApiServer.Admission), not defaults.
        Assert.Null(spec.Priority);
        Assert.Null(spec.ServiceAccountName);
        Assert.Null(spec.Tolerations);
        var container = spec.Containers[0];
        Assert.Equal("Always", container.ImagePullPolicy);
        Assert.Equal("/dev/termination-log", container.TerminationMessagePath);
        Assert.Equal("File", container.TerminationMessagePolicy);
        Assert.NotNull(container.Resources);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("BestEffort", pod.Status.QosClass);
        Assert.Null(pod.Metadata.Generation);
        Assert.Empty(_strategy.ValidateCreate(pod));
    }

    [Fact]
    public void Defaults_serialize_like_kubectl_get_o_yaml_shows_them()
    {
        var pod = Pod();
        pod.Spec.Volumes = [new V1Volume { Name = "scratch" }];
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80 }];
        var json = KubernetesJson.Serialize(Created(pod));
        Assert.Contains("\"securityContext\":{}", json, StringComparison.Ordinal);
        Assert.Contains("\"resources\":{}", json, StringComparison.Ordinal);
        Assert.Contains("\"emptyDir\":{}", json, StringComparison.Ordinal);
        Assert.Contains("{\"containerPort\":80,\"protocol\":\"TCP\"}", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("localhost:5000/nginx", "Always")]
    [InlineData("localhost:5000/nginx:1.2", "IfNotPresent")]
    [InlineData("nginx@sha256:abc", "IfNotPresent")]
    public void Image_pull_policy_follows_the_tag(string image, string policy) =>
        Assert.Equal(policy, PodDefaults.ImagePullPolicyFor(image));

    [Fact]
    public void Explicit_values_are_kept_and_existing_tolerations_are_respected()
    {
        var pod = Pod(new V1Container { Name = "c", Image = "busybox:1.36", ImagePullPolicy = "Never" });
        pod.Spec.RestartPolicy = "Never";
        pod.Spec.ServiceAccountName = "builder";
        pod.Spec.Tolerations = [new V1Toleration { OperatorProperty = "Exists" }];
        Created(pod);
        Assert.Equal("Never", pod.Spec.RestartPolicy);
        Assert.Equal("Never", pod.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("builder", pod.Spec.ServiceAccount);
        Assert.Single(pod.Spec.Tolerations);
    }

    public static TheoryData<string, string?, string?, string?, string?, string> QosCases() => new()
    {
        // name, cpu request, cpu limit, memory request, memory limit, class
        { "none", null, null, null, null, "BestEffort" },
        { "request only", "100m", null, null, null, "Burstable" },
        { "limits only, copied to requests", null, "1", null, "1Gi", "Guaranteed" },
        { "equal", "500m", "500m", "128Mi", "128Mi", "Guaranteed" },
        { "cpu limit only", null, "1", null, null, "Burstable" },
        { "request below limit", "250m", "500m", "128Mi", "128Mi", "Burstable" },
    };

    [Theory]
    [MemberData(nameof(QosCases))]
    public void Qos_class(string name, string? cpuRequest, string? cpuLimit, string? memoryRequest, string? memoryLimit, string expected)
    {
        var resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity>(), Limits = new Dictionary<string, ResourceQuantity>() };
        if (cpuRequest is not null) resources.Requests["cpu"] = new ResourceQuantity(cpuRequest);
        if (cpuLimit is not null) resources.Limits["cpu"] = new ResourceQuantity(cpuLimit);
        if (memoryRequest is not null) resources.Requests["memory"] = new ResourceQuantity(memoryRequest);
        if (memoryLimit is not null) resources.Limits["memory"] = new ResourceQuantity(memoryLimit);
        var pod = Created(Pod(new V1Container { Name = "c", Image = "nginx", Resources = resources }));
        Assert.True(expected == pod.Status.QosClass, name);
    }

    [Fact]
    public void Missing_containers_and_images_are_required()
    {
        var pod = Pod();
        pod.Spec.Containers = [];
        Assert.Equal(["spec.containers: Required value"], CreateErrors(pod));
        Assert.Equal(["spec.containers[0].image: Required value"], CreateErrors(Pod(new V1Container { Name = "c" })));
    }

    [Fact]
    public void Container_names_are_labels_and_unique_across_init_containers()
    {
        var pod = Pod(new V1Container { Name = "Web", Image = "nginx" }, new V1Container { Name = "side", Image = "busybox" });
        pod.Spec.InitContainers = [new V1Container { Name = "side", Image = "busybox" }];
        var errors = CreateErrors(pod);
        Assert.Contains(errors, e => e.StartsWith("spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label", StringComparison.Ordinal));
        Assert.Contains("spec.containers[1].name: Duplicate value: \"side\"", errors);
    }

    [Fact]
    public void Port_rules()
    {
        var pod = Pod(new V1Container
        {
            Name = "c", Image = "nginx",
            Ports = [new V1ContainerPort { ContainerPort = 70000 }, new V1ContainerPort { ContainerPort = 0 }, new V1ContainerPort { ContainerPort = 53, Protocol = "ICMP" }],
        });
        var errors = CreateErrors(pod);
        Assert.Contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", errors);
        Assert.Contains("spec.containers[0].ports[1].containerPort: Required value", errors);
        Assert.Contains("spec.containers[0].ports[2].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", errors);
    }

    [Fact]
    public void Volume_rules()
    {
        var pod = Pod(new V1Container
        {
            Name = "c", Image = "nginx",
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }, new V1VolumeMount { Name = "missing", MountPath = "/data" }],
        });
        pod.Spec.Volumes = [new V1Volume { Name = "data" }, new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource() }];
        var errors = CreateErrors(pod);
        Assert.Contains("spec.volumes[1].name: Duplicate value: \"data\"", errors);
        Assert.Contains("spec.volumes[1].hostPath.path: Required value", errors);
        Assert.Contains("spec.containers[0].volumeMounts[1].name: Not found: \"missing\"", errors);
        Assert.Contains("spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/data\": must be unique", errors);
    }

    [Fact]
    public void Policy_values()
    {
        var pod = Pod(new V1Container { Name = "c", Image = "nginx", ImagePullPolicy = "Sometimes" });
        pod.Spec.RestartPolicy = "Maybe";
        pod.Spec.DnsPolicy = "Google";
        var errors = CreateErrors(pod);
        Assert.Contains("spec.restartPolicy: Unsupported value: \"Maybe\": supported values: \"Always\", \"OnFailure\", \"Never\"", errors);
        Assert.Contains("spec.dnsPolicy: Unsupported value: \"Google\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"", errors);
        Assert.Contains("spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\"", errors);
    }

    [Fact]
    public void Requests_may_not_exceed_limits()
    {
        var pod = Pod(new V1Container
        {
            Name = "c", Image = "nginx",
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") },
            },
        });
        Assert.Contains("spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1", CreateErrors(pod));
    }

    [Fact]
    public void Update_may_change_images_and_labels()
    {
        var old = Created();
        var update = Created();
        update.Spec.Containers[0].Image = "nginx:1.28";
        update.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        update.Spec.ActiveDeadlineSeconds = 600;
        update.Spec.Tolerations = [];
        update.Spec.Tolerations.Add(new V1Toleration { Key = "gpu", OperatorProperty = "Exists", Effect = "NoSchedule" });
        _strategy.PrepareForUpdate(update, old, Now);
        Assert.Empty(_strategy.ValidateUpdate(update, old));
    }

    [Fact]
    public void Update_may_not_change_other_spec_fields()
    {
        var old = Created();
        var update = Created();
        update.Spec.RestartPolicy = "Never";
        _strategy.PrepareForUpdate(update, old, Now);
        var error = Assert.Single(_strategy.ValidateUpdate(update, old));
        Assert.Equal("spec", error.Field);
        Assert.Equal(FieldErrorType.Forbidden, error.Type);
        Assert.StartsWith("spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("restartPolicy", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Update_keeps_the_stored_status()
    {
        var old = Created();
        old.Status.Phase = "Running";
        var update = Created();
        _strategy.PrepareForUpdate(update, old, Now);
        Assert.Equal("Running", update.Status.Phase);
    }

    [Theory]
    [InlineData("node-1", null, null, 30L)]
    [InlineData("node-1", 5L, null, 5L)]
    [InlineData("node-1", 0L, null, null)]
    [InlineData("node-1", -3L, null, 1L)]
    [InlineData("", null, null, null)]
    [InlineData("node-1", null, "Succeeded", null)]
    [InlineData("node-1", null, "Failed", null)]
    public void Graceful_deletion_only_for_bound_running_pods(string node, long? requested, string? phase, long? expected)
    {
        var pod = Created();
        pod.Spec.NodeName = node;
        pod.Status.Phase = phase ?? "Running";
        Assert.Equal(expected, _strategy.GracefulDeletionPeriod(pod, requested));
    }

    [Fact]
    public void Selectable_fields()
    {
        var pod = Pod();
        pod.Spec.ServiceAccountName = "default";
        Created(pod);
        pod.Spec.NodeName = "node-1";
        pod.Status.PodIPs = [new V1PodIP { Ip = "10.244.0.5" }];
        var fields = _strategy.SelectableFields(pod);
        Assert.Equal("node-1", fields["spec.nodeName"]);
        Assert.Equal("Always", fields["spec.restartPolicy"]);
        Assert.Equal("default-scheduler", fields["spec.schedulerName"]);
        Assert.Equal("default", fields["spec.serviceAccountName"]);
        Assert.Equal("Pending", fields["status.phase"]);
        Assert.Equal("10.244.0.5", fields["status.podIP"]);
        Assert.Equal("", fields["status.nominatedNodeName"]);
        Assert.Equal("web", fields["metadata.name"]);
        Assert.Equal("default", fields["metadata.namespace"]);
    }
}
