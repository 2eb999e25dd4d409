using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Subresources;

namespace Skiff.Apimachinery.Tests;

/// <summary>Deployments, replica sets, daemon sets, jobs, and the scale and binding subresources.</summary>
public sealed class WorkloadKindsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);
    private static readonly DateTime Created = Now.UtcDateTime.AddMinutes(-10);

    private static Dictionary<string, string> Labels(string app) => new() { ["app"] = app };

    private static V1PodTemplateSpec Template(string app = "web") => new()
    {
        Metadata = new V1ObjectMeta { Labels = Labels(app) },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx:1.27" }, new V1Container { Name = "side", Image = "busybox" }] },
    };

    private static V1Deployment Deployment(string templateApp = "web") => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "u-1", CreationTimestamp = Created },
        Spec = new V1DeploymentSpec { Selector = new V1LabelSelector { MatchLabels = Labels("web") }, Template = Template(templateApp) },
    };

    [Fact]
    public void Deployment_defaults()
    {
        var deployment = Deployment();
        var strategy = new DeploymentStrategy();
        strategy.PrepareForCreate(deployment, Now);
        var spec = deployment.Spec;
        Assert.Equal(1, spec.Replicas);
        Assert.Equal("RollingUpdate", spec.Strategy.Type);
        Assert.Equal("25%", spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal("25%", spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal(10, spec.RevisionHistoryLimit);
        Assert.Equal(600, spec.ProgressDeadlineSeconds);
        Assert.Equal("Always", spec.Template.Spec.RestartPolicy);
        Assert.Equal("IfNotPresent", spec.Template.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("Always", spec.Template.Spec.Containers[1].ImagePullPolicy);
        Assert.Null(spec.Template.Spec.ServiceAccountName); // admission defaults apply to pods, not templates
        Assert.Null(spec.Template.Spec.EnableServiceLinks);
        Assert.Equal(1, deployment.Metadata.Generation);
        Assert.Empty(strategy.ValidateCreate(deployment));
    }

    [Fact]
    public void Deployment_selector_must_match_template_labels()
    {
        var deployment = Deployment(templateApp: "api");
        var strategy = new DeploymentStrategy();
        strategy.PrepareForCreate(deployment, Now);
        Assert.Equal(
            ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"api\"}: `selector` does not match template `labels`"],
            strategy.ValidateCreate(deployment).Select(e => e.ToString()));
    }

    [Fact]
    public void Deployment_selector_required_non_empty_and_immutable()
    {
        var strategy = new DeploymentStrategy();
        var missing = Deployment();
        missing.Spec.Selector = null;
        strategy.PrepareForCreate(missing, Now);
        Assert.Contains("spec.selector: Required value", strategy.ValidateCreate(missing).Select(e => e.ToString()));

        var empty = Deployment();
        empty.Spec.Selector = new V1LabelSelector();
        strategy.PrepareForCreate(empty, Now);
        Assert.Contains(strategy.ValidateCreate(empty), e => e.Detail == "empty selector is invalid for deployment");

        var old = Deployment();
        strategy.PrepareForCreate(old, Now);
        var update = Deployment();
        update.Spec.Selector.MatchLabels["tier"] = "fe";
        update.Spec.Template.Metadata.Labels["tier"] = "fe";
        strategy.PrepareForUpdate(update, old, Now);
        Assert.Contains(strategy.ValidateUpdate(update, old), e => e.ToString() == "spec.selector: Invalid value: \"app=web,tier=fe\": field is immutable");
    }

    [Fact]
    public void Deployment_strategy_and_restart_policy_rules()
    {
        var strategy = new DeploymentStrategy();
        var deployment = Deployment();
        deployment.Spec.Template.Spec.RestartPolicy = "Never";
        deployment.Spec.Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 0, MaxUnavailable = 0 } };
        strategy.PrepareForCreate(deployment, Now);
        var errors = strategy.ValidateCreate(deployment).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"", errors);
        Assert.Contains("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0", errors);

        var recreate = Deployment();
        recreate.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        strategy.PrepareForCreate(recreate, Now);
        Assert.Null(recreate.Spec.Strategy.RollingUpdate);
        Assert.Empty(strategy.ValidateCreate(recreate));
    }

    [Fact]
    public void Deployment_row()
    {
        var deployment = Deployment();
        var strategy = new DeploymentStrategy();
        strategy.PrepareForCreate(deployment, Now);
        deployment.Spec.Replicas = 3;
        deployment.Status = new V1DeploymentStatus { ReadyReplicas = 2, UpdatedReplicas = 3, AvailableReplicas = 2 };
        Assert.Equal(["web", "2/3", 3L, 2L, "10m", "nginx,side", "nginx:1.27,busybox", "app=web"], strategy.Cells(deployment, Now));
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], strategy.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Replica_set_row_and_defaults()
    {
        var rs = new V1ReplicaSet
        {
            Metadata = new V1ObjectMeta { Name = "web-5d8", NamespaceProperty = "default", CreationTimestamp = Created },
            Spec = new V1ReplicaSetSpec { Selector = new V1LabelSelector { MatchLabels = Labels("web") }, Template = Template() },
        };
        var strategy = new ReplicaSetStrategy();
        strategy.PrepareForCreate(rs, Now);
        Assert.Equal(1, rs.Spec.Replicas);
        Assert.Empty(strategy.ValidateCreate(rs));
        rs.Status = new V1ReplicaSetStatus { Replicas = 1, ReadyReplicas = 0 };
        Assert.Equal(["web-5d8", 1L, 1L, 0L, "10m", "nginx,side", "nginx:1.27,busybox", "app=web"], strategy.Cells(rs, Now));
    }

    [Fact]
    public void Daemon_set_defaults_and_row()
    {
        var ds = new V1DaemonSet
        {
            Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "kube-system", CreationTimestamp = Created },
            Spec = new V1DaemonSetSpec { Selector = new V1LabelSelector { MatchLabels = Labels("agent") }, Template = Template("agent") },
        };
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" };
        var strategy = new DaemonSetStrategy();
        strategy.PrepareForCreate(ds, Now);
        Assert.Equal("RollingUpdate", ds.Spec.UpdateStrategy.Type);
        Assert.Equal("1", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("0", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, ds.Spec.RevisionHistoryLimit);
        Assert.Empty(strategy.ValidateCreate(ds));
        ds.Status = new V1DaemonSetStatus { DesiredNumberScheduled = 2, CurrentNumberScheduled = 2, NumberReady = 1, UpdatedNumberScheduled = 2, NumberAvailable = 1 };
        Assert.Equal(["agent", 2L, 2L, 1L, 2L, 1L, "kubernetes.io/os=linux", "10m", "nginx,side", "nginx:1.27,busybox", "app=agent"], strategy.Cells(ds, Now));
    }

    private static V1Job Job() => new()
    {
        Metadata = new V1ObjectMeta { Name = "pi", NamespaceProperty = "default", Uid = "0b7c-uid", CreationTimestamp = Created },
        Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "pi", Image = "perl:5.34" }] } } },
    };

    [Fact]
    public void Job_defaults_and_generated_selector()
    {
        var job = Job();
        var strategy = new JobStrategy();
        strategy.PrepareForCreate(job, Now);
        Assert.Equal(1, job.Spec.Completions);
        Assert.Equal(1, job.Spec.Parallelism);
        Assert.Equal(6, job.Spec.BackoffLimit);
        Assert.Equal("NonIndexed", job.Spec.CompletionMode);
        Assert.False(job.Spec.Suspend);
        Assert.Equal("TerminatingOrFailed", job.Spec.PodReplacementPolicy);
        Assert.Equal("0b7c-uid", job.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("pi", job.Spec.Template.Metadata.Labels["batch.kubernetes.io/job-name"]);
        Assert.Equal("0b7c-uid", job.Spec.Template.Metadata.Labels["controller-uid"]);
        Assert.Equal("pi", job.Spec.Template.Metadata.Labels["job-name"]);
        Assert.Empty(strategy.ValidateCreate(job));
    }

    [Fact]
    public void Job_restart_policy_must_be_on_failure_or_never()
    {
        var job = Job();
        job.Spec.Template.Spec.RestartPolicy = null; // defaults to Always, which a job refuses
        var strategy = new JobStrategy();
        strategy.PrepareForCreate(job, Now);
        Assert.Contains("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
            strategy.ValidateCreate(job).Select(e => e.ToString()));
    }

    public static TheoryData<string, V1JobStatus, bool, string, string, string> JobRows() => new()
    {
        { "running", new V1JobStatus { StartTime = Now.UtcDateTime.AddSeconds(-48), Active = 1 }, false, "Running", "0/1", "48s" },
        { "complete", new V1JobStatus { StartTime = Created, CompletionTime = Created.AddSeconds(200), Succeeded = 1, Conditions = [new V1JobCondition { Type = "Complete", Status = "True" }] }, false, "Complete", "1/1", "3m20s" },
        { "failed", new V1JobStatus { StartTime = Created, Failed = 7, Conditions = [new V1JobCondition { Type = "Failed", Status = "True" }] }, false, "Failed", "0/1", "10m" },
        { "terminating", new V1JobStatus(), true, "Terminating", "0/1", "" },
        { "suspended", new V1JobStatus { Conditions = [new V1JobCondition { Type = "Suspended", Status = "True" }] }, false, "Suspended", "0/1", "" },
    };

    [Theory]
    [MemberData(nameof(JobRows))]
    public void Job_row(string name, V1JobStatus status, bool deleting, string expectedStatus, string completions, string duration)
    {
        var job = Job();
        var strategy = new JobStrategy();
        strategy.PrepareForCreate(job, Now);
        job.Status = status;
        job.Metadata.DeletionTimestamp = deleting ? Now.UtcDateTime : null;
        var cells = strategy.Cells(job, Now);
        Assert.True(expectedStatus == (string?)cells[1], $"{name}: {cells[1]}");
        Assert.Equal(completions, cells[2]);
        Assert.Equal(duration, cells[3]);
        Assert.Equal("batch.kubernetes.io/controller-uid=0b7c-uid", cells[7]);
    }

    [Fact]
    public void Job_completions_with_parallelism()
    {
        var job = Job();
        job.Spec.Parallelism = 3;
        var strategy = new JobStrategy();
        strategy.PrepareForCreate(job, Now);
        Assert.Null(job.Spec.Completions);
        Assert.Equal("0/1 of 3", strategy.Cells(job, Now)[2]);
    }

    [Fact]
    public void Scale_view_and_write_back()
    {
        var deployment = Deployment();
        new DeploymentStrategy().PrepareForCreate(deployment, Now);
        deployment.Metadata.ResourceVersion = "42";
        deployment.Status = new V1DeploymentStatus { Replicas = 1 };
        var scale = ScaleSubresource.ToScale(deployment);
        Assert.Equal(("autoscaling/v1", "Scale"), (scale.ApiVersion, scale.Kind));
        Assert.Equal("42", scale.Metadata.ResourceVersion);
        Assert.Equal(1, scale.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);

        scale.Spec.Replicas = 3;
        ScaleSubresource.ApplyReplicas(deployment, scale);
        Assert.Equal(3, deployment.Spec.Replicas);
        scale.Spec.Replicas = -1;
        Assert.Equal(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"], ScaleSubresource.Validate(scale).Select(e => e.ToString()));
        Assert.False(ScaleSubresource.Supports(new V1Pod()));
    }

    [Fact]
    public void Binding_assigns_once()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web-0" }, Spec = new V1PodSpec(), Status = new V1PodStatus { Phase = "Pending" } };
        var binding = new V1Binding { Target = new V1ObjectReference { Kind = "Node", Name = "node-1" } };
        Assert.Null(PodBinding.TryBind(pod, binding, Now));
        Assert.Equal("node-1", pod.Spec.NodeName);
        Assert.Contains(pod.Status.Conditions, c => c is { Type: "PodScheduled", Status: "True" });
        Assert.Equal("pod web-0 is already assigned to node \"node-1\"", PodBinding.TryBind(pod, binding, Now));
        Assert.Equal(["target.name: Required value"], PodBinding.Validate(new V1Binding()).Select(e => e.ToString()));
    }
}
