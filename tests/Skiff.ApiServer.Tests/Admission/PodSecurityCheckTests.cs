using k8s.Models;
using Skiff.ApiServer.Admission.PodSecurity;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>Each Pod Security check against pods that pass and fail it, with upstream's wording.</summary>
public sealed class PodSecurityCheckTests
{
    private static readonly LevelVersion Baseline = new(PodSecurityLevel.Baseline, null);
    private static readonly LevelVersion Restricted = new(PodSecurityLevel.Restricted, null);

    /// <summary>A pod that passes restricted: the test then breaks one thing.</summary>
    private static V1Pod Compliant() => new()
    {
        Metadata = new V1ObjectMeta { Name = "p" },
        Spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "nginx",
                    SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                },
            ],
            Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "x" } }],
        },
    };

    private static string Describe(LevelVersion level, V1Pod pod) => CheckResult.Describe(PodSecurityEvaluator.Evaluate(level, pod.Metadata, pod.Spec));

    private static V1SecurityContext Sc(V1Pod pod) => pod.Spec.Containers[0].SecurityContext;

    [Fact]
    public void A_compliant_pod_passes_every_level_and_privileged_allows_anything()
    {
        Assert.Equal("", Describe(Restricted, Compliant()));
        Assert.Equal("", Describe(Baseline, Compliant()));
        var pod = Compliant();
        pod.Spec.HostNetwork = true;
        Sc(pod).Privileged = true;
        Assert.Empty(PodSecurityEvaluator.Evaluate(LevelVersion.PrivilegedLatest, pod.Metadata, pod.Spec));
    }

    [Fact]
    public void A_bare_pod_fails_restricted_with_upstreams_message_and_passes_baseline()
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] } };
        Assert.Equal(
            "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
            + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
            + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            Describe(Restricted, pod));
        Assert.Equal("", Describe(Baseline, pod));
    }

    [Fact]
    public void Host_namespaces()
    {
        var pod = Compliant();
        pod.Spec.HostNetwork = true;
        pod.Spec.HostPID = true;
        pod.Spec.HostIPC = true;
        Assert.Equal("host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)", Describe(Baseline, pod));
    }

    [Fact]
    public void Privileged_containers_including_init_containers()
    {
        var pod = Compliant();
        Sc(pod).Privileged = true;
        pod.Spec.InitContainers = [new V1Container { Name = "init", SecurityContext = new V1SecurityContext { Privileged = true } }];
        Assert.Equal("privileged (containers \"init\", \"c\" must not set securityContext.privileged=true)", Describe(Baseline, pod));
    }

    [Fact]
    public void Capabilities_beyond_the_default_set_at_baseline_and_anything_but_net_bind_service_at_restricted()
    {
        var pod = Compliant();
        Sc(pod).Capabilities.Add = ["SYS_ADMIN", "CHOWN", "NET_RAW"];
        Assert.Equal("non-default capabilities (container \"c\" must not include \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add)", Describe(Baseline, pod));
        Assert.Equal("unrestricted capabilities (container \"c\" must not include \"CHOWN\", \"NET_RAW\", \"SYS_ADMIN\" in securityContext.capabilities.add)", Describe(Restricted, pod));
        Sc(pod).Capabilities.Add = ["NET_BIND_SERVICE"];
        Assert.Equal("", Describe(Restricted, pod));
    }

    [Fact]
    public void HostPath_volumes_at_baseline_are_restricted_volume_types_at_restricted()
    {
        var pod = Compliant();
        pod.Spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } });
        Assert.Equal("hostPath volumes (volume \"host\")", Describe(Baseline, pod));
        Assert.Equal("restricted volume types (volume \"host\" uses restricted volume type \"hostPath\")", Describe(Restricted, pod));
        pod.Spec.Volumes.Add(new V1Volume { Name = "share", Nfs = new V1NFSVolumeSource { Server = "s", Path = "/" } });
        Assert.Equal(
            "restricted volume types (volumes \"host\", \"share\" use restricted volume types \"hostPath\", \"nfs\")",
            Describe(Restricted, pod));
    }

    [Fact]
    public void Host_ports()
    {
        var pod = Compliant();
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }, new V1ContainerPort { ContainerPort = 443, HostPort = 443 }];
        Assert.Equal("hostPort (container \"c\" uses hostPorts 443, 8080)", Describe(Baseline, pod));
    }

    [Fact]
    public void AppArmor_annotations_other_than_runtime_default_or_localhost()
    {
        var pod = Compliant();
        pod.Metadata.Annotations = new Dictionary<string, string>
        {
            ["container.apparmor.security.beta.kubernetes.io/c"] = "unconfined",
            ["container.apparmor.security.beta.kubernetes.io/d"] = "localhost/mine",
        };
        Assert.Equal("forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c=\"unconfined\")", Describe(Baseline, pod));
    }

    [Fact]
    public void SELinux_types_users_and_roles()
    {
        var pod = Compliant();
        Sc(pod).SeLinuxOptions = new V1SELinuxOptions { Type = "spc_t", User = "root" };
        Assert.Equal("seLinuxOptions (container \"c\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"; user may not be set)", Describe(Baseline, pod));
        Sc(pod).SeLinuxOptions = new V1SELinuxOptions { Type = "container_t" };
        Assert.Equal("", Describe(Baseline, pod));
    }

    [Fact]
    public void Proc_mount_other_than_default()
    {
        var pod = Compliant();
        Sc(pod).ProcMount = "Unmasked";
        Assert.Equal("procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")", Describe(Baseline, pod));
    }

    [Fact]
    public void Seccomp_unconfined_is_baseline_and_a_missing_profile_only_restricted()
    {
        var pod = Compliant();
        pod.Spec.SecurityContext.SeccompProfile = new V1SeccompProfile { Type = "Unconfined" };
        Assert.Equal("seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")", Describe(Baseline, pod));
        Assert.Equal("seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")", Describe(Restricted, pod));
        pod.Spec.SecurityContext.SeccompProfile = null;
        Assert.Equal("", Describe(Baseline, pod));
        Assert.Equal("seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")", Describe(Restricted, pod));
    }

    [Fact]
    public void Sysctls_outside_the_safe_set()
    {
        var pod = Compliant();
        pod.Spec.SecurityContext.Sysctls = [new V1Sysctl { Name = "kernel.msgmax", Value = "1" }, new V1Sysctl { Name = "net.ipv4.tcp_syncookies", Value = "1" }];
        Assert.Equal("forbidden sysctls (kernel.msgmax)", Describe(Baseline, pod));
    }

    [Fact]
    public void Run_as_non_root_false_and_run_as_user_zero()
    {
        var pod = Compliant();
        Sc(pod).RunAsNonRoot = false;
        Sc(pod).RunAsUser = 0;
        Assert.Equal(
            "runAsNonRoot != true (container \"c\" must not set securityContext.runAsNonRoot=false), runAsUser=0 (container \"c\" must not set runAsUser=0)",
            Describe(Restricted, pod));
    }

    [Fact]
    public void Baseline_failures_come_first_at_restricted_and_versions_gate_checks()
    {
        var pod = Compliant();
        Sc(pod).Privileged = true;
        Sc(pod).AllowPrivilegeEscalation = null;
        Assert.Equal(
            "privileged (container \"c\" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false)",
            Describe(Restricted, pod));

        // runAsUser joined restricted in v1.23, the capabilities rule in v1.22.
        var root = Compliant();
        Sc(root).RunAsUser = 0;
        Sc(root).Capabilities = null;
        Assert.Equal("", Describe(new LevelVersion(PodSecurityLevel.Restricted, 21), root));
        Assert.StartsWith("unrestricted capabilities", Describe(new LevelVersion(PodSecurityLevel.Restricted, 22), root), StringComparison.Ordinal);
        Assert.Equal("restricted:v1.21", new LevelVersion(PodSecurityLevel.Restricted, 21).ToString());
    }

    [Fact]
    public void Namespace_labels_give_the_policy_and_invalid_values_mean_restricted()
    {
        var ns = new V1Namespace
        {
            Metadata = new V1ObjectMeta
            {
                Labels = new Dictionary<string, string>
                {
                    ["pod-security.kubernetes.io/enforce"] = "baseline",
                    ["pod-security.kubernetes.io/enforce-version"] = "v1.25",
                    ["pod-security.kubernetes.io/warn"] = "restricted",
                    ["pod-security.kubernetes.io/audit"] = "strict",
                },
            },
        };
        var policy = NamespacePolicy.From(ns);
        Assert.Equal("baseline:v1.25", policy.Enforce.ToString());
        Assert.Equal("restricted:latest", policy.Warn.ToString());
        Assert.Equal("restricted:latest", policy.Audit.ToString());
        Assert.True(NamespacePolicy.From(new V1Namespace { Metadata = new V1ObjectMeta() }).AllPrivileged);
    }
}
