using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Storage.Memory;

namespace Skiff.Controllers.Tests;

/// <summary>
/// The service account and disruption controllers in the controller manager against a real in-process API server,
/// judged by the real kubectl: a new namespace gets its default ServiceAccount and kube-root-ca.crt, and a
/// PodDisruptionBudget makes <c>kubectl drain</c> stop. This test plays the kubelet of node <c>n1</c>.
/// </summary>
public sealed class LifecycleEndToEndTests : IAsyncLifetime
{
    private static readonly string? Kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("skiff-lifecycle-").FullName;
    private readonly string _cacheDirectory = Directory.CreateTempSubdirectory("skiff-lifecycle-kubectl-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private ApiServerHandle? _server;
    private KubernetesApiClient? _api;
    private ComponentContext? _context;
    private Task? _manager;
    private Task? _kubelet;

    public async Task InitializeAsync()
    {
        _server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = _dataDirectory, Port = 0, Resources = ResourceCatalog.CreateBuiltIn().All },
            new MemoryStore(),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        _api = ApiClients.FromKubeconfig(_server.KubeconfigPath);
        _context = ComponentContext.Create(_api, TimeProvider.System, NullLoggerFactory.Instance);
        _context.Informers.Start(_stop.Token);
        _manager = ControllerManagerHost.RunAsync(new ControllerManagerOptions { LeaderElect = false, RootCaBundle = _server.Certificates.CaPem }, _context, _stop.Token);
        _kubelet = PlayKubeletAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_manager ?? Task.CompletedTask, _kubelet ?? Task.CompletedTask);
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        _api?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
        Directory.Delete(_cacheDirectory, recursive: true);
        _stop.Dispose();
    }

    /// <summary>Binds every pending pod to n1 and reports it Running and Ready.</summary>
    private async Task PlayKubeletAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pods = await _api!.ListAsync<V1Pod>(new ListOptions(), cancellationToken);
                foreach (var pod in pods.Items.Where(p => p.Status?.Phase is null or "Pending" && p.Metadata.DeletionTimestamp is null))
                {
                    try
                    {
                        if (string.IsNullOrEmpty(pod.Spec.NodeName))
                        {
                            var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = pod.Metadata.Name }, Target = new V1ObjectReference { Kind = "Node", Name = "n1" } };
                            await _api.CreateSubresourceAsync<V1Pod, V1Binding, V1Status>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "binding", binding, cancellationToken);
                        }

                        var bound = (await _api.GetAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, cancellationToken))!;
                        bound.Status = new V1PodStatus
                        {
                            Phase = "Running",
                            Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }],
                        };
                        await _api.UpdateStatusAsync(bound, cancellationToken);
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

    private async Task<(int ExitCode, string Output)> RunKubectlAsync(params string[] args)
    {
        var startInfo = new ProcessStartInfo(Kubectl!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--kubeconfig", _server!.KubeconfigPath, "--cache-dir", _cacheDirectory }.Concat(args))
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private async Task<string> KubectlAsync(params string[] args)
    {
        var (code, output) = await RunKubectlAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {output}");
        return output;
    }

    private static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var text = await read();
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(250);
        }
    }

    private bool KubectlMissing()
    {
        if (Kubectl is not null)
        {
            return false;
        }

        Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "kubectl is required under CI=true");
        return true;
    }

    [Fact]
    public async Task A_new_namespace_gets_its_default_service_account_and_the_root_ca_configmap_back_after_deletion()
    {
        if (KubectlMissing())
        {
            return;
        }

        await KubectlAsync("create", "namespace", "team-x");
        var account = await EventuallyAsync(() => RunKubectlAsync("get", "serviceaccount", "default", "-n", "team-x", "-o", "name").ContinueWith(t => t.Result.Output.Trim(), TaskScheduler.Default), t => t == "serviceaccount/default");
        Assert.Equal("serviceaccount/default", account);
        var ca = await EventuallyAsync(() => RunKubectlAsync("get", "configmap", "kube-root-ca.crt", "-n", "team-x", "-o", "jsonpath={.data.ca\\.crt}").ContinueWith(t => t.Result.Output, TaskScheduler.Default), t => t.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal));
        Assert.Equal(_server!.Certificates.CaPem.Trim(), ca.Trim());

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
        if (KubectlMissing())
        {
            return;
        }

        await _api!.CreateAsync(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } }, _stop.Token);
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
        Assert.Equal(2, (await _api.ListAsync<V1Pod>(new ListOptions { LabelSelector = "app=web" }, _stop.Token)).Items.Count(p => p.Metadata.DeletionTimestamp is null));

        // The eviction API answers 429 with the budget as the cause.
        var pod = (await _api.ListAsync<V1Pod>(new ListOptions { LabelSelector = "app=web" }, _stop.Token)).Items[0];
        var eviction = new V1Eviction { ApiVersion = "policy/v1", Kind = "Eviction", Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = "default" } };
        var refused = await Assert.ThrowsAsync<ApiException>(() => _api.CreateSubresourceAsync<V1Pod, V1Eviction, V1Status>("default", pod.Metadata.Name, "eviction", eviction, _stop.Token));
        Assert.True(refused.IsTooManyRequests);
        Assert.Equal("Cannot evict pod as it would violate the pod's disruption budget.", refused.Status?.Message);
        Assert.Equal("DisruptionBudget", Assert.Single(refused.Status!.Details.Causes).Reason);

        // Allow one: the eviction takes it (disruptionsAllowed drops to 0 at once) and the pod goes.
        await KubectlAsync("patch", "pdb", "web", "--type=merge", "-p", "{\"spec\":{\"minAvailable\":1}}");
        Assert.Equal("1", await EventuallyAsync(() => KubectlAsync("get", "pdb", "web", "-o", "jsonpath={.status.disruptionsAllowed}"), t => t == "1"));
        await _api.CreateSubresourceAsync<V1Pod, V1Eviction, V1Status>("default", pod.Metadata.Name, "eviction", eviction, _stop.Token);
        var pdb = (await _api.GetAsync<V1PodDisruptionBudget>("default", "web", _stop.Token))!;
        Assert.True(pdb.Status.DisruptionsAllowed == 0 || pdb.Status.DisruptedPods?.ContainsKey(pod.Metadata.Name) == true);
        var evicted = await _api.GetAsync<V1Pod>("default", pod.Metadata.Name, _stop.Token);
        Assert.NotNull(evicted!.Metadata.DeletionTimestamp); // no real kubelet: it stays terminating
        var target = Assert.Single(evicted.Status.Conditions, c => c.Type == "DisruptionTarget");
        Assert.Equal(("True", "EvictionByEvictionAPI", "Eviction API: evicting"), (target.Status, target.Reason, target.Message));
    }
}
