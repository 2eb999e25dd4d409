using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.Tests;

/// <summary>
/// The service account and disruption controllers in the controller manager against a real in-process API server,
/// judged by the real kubectl: a new namespace gets its default ServiceAccount and kube-root-ca.crt, and a
/// PodDisruptionBudget makes <c>kubectl drain</c> stop. This test plays the kubelet of node <c>n1</c>.
/// </summary>
public sealed class LifecycleEndToEndTests : IAsyncLifetime
{
    private RealControlPlane? _plane;
    private Kubectl? _kubectl;

    private KubernetesApiClient Api => _plane!.Api;

    public async Task InitializeAsync()
    {
        _plane = await RealControlPlane.StartAsync("skiff-lifecycle", plane => Task.FromResult(new ControllerManagerOptions { LeaderElect = false, RootCaBundle = plane.Server.Certificates.CaPem }));
        _kubectl = new Kubectl(_plane.Server.KubeconfigPath);
        _plane.Run(PlayKubeletAsync);
    }

    public async Task DisposeAsync()
    {
        await _plane!.DisposeAsync();
        _kubectl!.Dispose();
    }

    /// <summary>Binds every pending pod to n1 and reports it Running and Ready.</summary>
    private async Task PlayKubeletAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pods = await Api.ListAsync<V1Pod>(new ListOptions(), cancellationToken);
                foreach (var pod in pods.Items.Where(p => p.Status?.Phase is null or "Pending" && p.Metadata.DeletionTimestamp is null))
                {
                    try
                    {
                        if (string.IsNullOrEmpty(pod.Spec.NodeName))
                        {
                            var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = pod.Metadata.Name }, Target = new V1ObjectReference { Kind = "Node", Name = "n1" } };
                            await Api.CreateSubresourceAsync<V1Pod, V1Binding, V1Status>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "binding", binding, cancellationToken);
                        }

                        var bound = (await Api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cancellationToken))!;
                        bound.Status = new V1PodStatus
                        {
                            Phase = "Running",
                            Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }],
                        };
                        await Api.UpdateStatusAsync(bound, cancellationToken);
                    }
                    catch (ApiException)
                    {
                        // Changed or gone meanwhile: the next round sees it.
                    }
                }

                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>kubectl's exit code and its output, standard error after standard output.</summary>
    private async Task<(int ExitCode, string Output)> RunKubectlAsync(params string[] args)
    {
        var (code, output, error) = await _kubectl!.RunAsync(args);
        return (code, output + error);
    }

    private Task<string> KubectlAsync(params string[] args) => _kubectl!.OkAsync(args);

    private static Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done) => Kubectl.EventuallyAsync(read, done);

    [Fact]
    public async Task A_new_namespace_gets_its_default_service_account_and_the_root_ca_configmap_back_after_deletion()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await KubectlAsync("create", "namespace", "team-x");
        var account = await EventuallyAsync(() => RunKubectlAsync("get", "serviceaccount", "default", "-n", "team-x", "-o", "name").ContinueWith(t => t.Result.Output.Trim(), TaskScheduler.Default), t => t == "serviceaccount/default");
        Assert.Equal("serviceaccount/default", account);
        var ca = await EventuallyAsync(() => RunKubectlAsync("get", "configmap", "kube-root-ca.crt", "-n", "team-x", "-o", "jsonpath={.data.ca\\.crt}").ContinueWith(t => t.Result.Output, TaskScheduler.Default), t => t.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal));
        Assert.Equal(_plane!.Server.Certificates.CaPem.Trim(), ca.Trim());

        await KubectlAsync("delete", "serviceaccount", "default", "-n", "team-x");
        await KubectlAsync("delete", "configmap", "kube-root-ca.crt", "-n", "team-x");
        Assert.Equal("serviceaccount/default", await EventuallyAsync(() => RunKubectlAsync("get", "serviceaccount", "default", "-n", "team-x", "-o", "name").ContinueWith(t => t.Result.Output.Trim(), TaskScheduler.Default), t => t == "serviceaccount/default"));
        Assert.Equal("configmap/kube-root-ca.crt", await EventuallyAsync(() => RunKubectlAsync("get", "configmap", "kube-root-ca.crt", "-n", "team-x", "-o", "name").ContinueWith(t => t.Result.Output.Trim(), TaskScheduler.Default), t => t == "configmap/kube-root-ca.crt"));

        // A pod in the new namespace runs as its default account.
        await KubectlAsync("run", "probe", "-n", "team-x", "--image=busybox", "--restart=Never");
        Assert.Equal("default", await KubectlAsync("get", "pod", "probe", "-n", "team-x", "-o", "jsonpath={.spec.serviceAccountName}"));
    }

    [Fact]
    public async Task Drain_stops_at_a_budget_that_allows_no_disruption_and_an_eviction_takes_one_when_allowed()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await Api.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } }, _plane!.Stopping);
        await KubectlAsync("create", "deployment", "web", "--image=nginx", "--replicas=2");
        Assert.Contains("successfully rolled out", await KubectlAsync("rollout", "status", "deployment/web", "--timeout=60s"), StringComparison.Ordinal);
        await KubectlAsync("create", "pdb", "web", "--selector=app=web", "--min-available=2");
        var allowed = await EventuallyAsync(() => KubectlAsync("get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}"), t => t == "2/0");
        Assert.Equal("2/0", allowed);
        var table = await KubectlAsync("get", "pdb");
        Assert.Matches(@"NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE", table);
        Assert.Matches(@"web\s+2\s+N/A\s+0\s+", table);

        var (code, output) = await RunKubectlAsync("drain", "n1", "--ignore-daemonsets", "--timeout=5s");
        Assert.NotEqual(0, code);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", output, StringComparison.Ordinal);
        Assert.Equal(2, (await Api.ListAsync<V1Pod>(new ListOptions { LabelSelector = "app=web" }, _plane!.Stopping)).Items.Count(p => p.Metadata.DeletionTimestamp is null));

        // The eviction API answers 429 with the budget as the cause.
        var pod = (await Api.ListAsync<V1Pod>(new ListOptions { LabelSelector = "app=web" }, _plane!.Stopping)).Items[0];
        var eviction = new V1Eviction { ApiVersion = "policy/v1", Kind = "Eviction", Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = "default" } };
        var refused = await Assert.ThrowsAsync<ApiException>(() => Api.CreateSubresourceAsync<V1Pod, V1Eviction, V1Status>("default", pod.Metadata.Name, "eviction", eviction, _plane!.Stopping));
        Assert.True(refused.IsTooManyRequests);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", refused.Status?.Message);
        Assert.Equal("DisruptionBudget", Assert.Single(refused.Status!.Details.Causes).Reason);

        // Allow one: the eviction takes it (disruptionsAllowed drops to 0 at once) and the pod goes.
        await KubectlAsync("patch", "pdb", "web", "--type=merge", "-p", "{\"spec\":{\"minAvailable\":1}}");
        Assert.Equal("1", await EventuallyAsync(() => KubectlAsync("get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"), t => t == "1"));
        await Api.CreateSubresourceAsync<V1Pod, V1Eviction, V1Status>("default", pod.Metadata.Name, "eviction", eviction, _plane!.Stopping);
        var pdb = (await Api.GetAsync<V1PodDisruptionBudget>("default", "web", _plane!.Stopping))!;
        Assert.True(pdb.Status.DisruptionsAllowed == 0 || pdb.Status.DisruptedPods?.ContainsKey(pod.Metadata.Name) == true);
        var evicted = await Api.GetAsync<V1Pod>("default", pod.Metadata.Name, _plane!.Stopping);
        Assert.NotNull(evicted!.Metadata.DeletionTimestamp); // no real kubelet: it stays terminating
        var target = Assert.Single(evicted.Status.Conditions, c => c.Type == "DisruptionTarget");
        Assert.Equal(("True", "EvictionByEvictionAPI", "Eviction API: evicting"), (target.Status, target.Reason, target.Message));
    }
}
