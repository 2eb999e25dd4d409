using System.Diagnostics;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit.Abstractions;

namespace Skiff.EndToEnd.Tests.HighAvailability;

/// <summary>
/// Issue 13's scheduler failover: two <c>skiff server</c> processes on one etcd both run a scheduler, and only the
/// holder of Lease kube-system/kube-scheduler schedules. Killing the holder hands the lease to the other once it has
/// expired (upstream's 15 s lease, renewed every 2 s); until then the survivor binds nothing, and then it schedules
/// the pod that waited and new ones.
/// </summary>
public sealed class SchedulerFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string LeaseNamespace = "kube-system";
    private const string LeaseName = "kube-scheduler";
    private const string NodeName = "failover-node";

    // Lease duration 15 s, plus the survivor's 2 s retry period twice (its last look before the kill and its first
    // after expiry), plus room for a loaded machine.
    private static readonly TimeSpan TakeoverLimit = TimeSpan.FromSeconds(15 + 2 + 2 + 6);

    private EtcdCluster? _etcd;
    private readonly ApiServerProcess?[] _servers = new ApiServerProcess?[2];

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _etcd = await EtcdCluster.StartAsync(1, timeout.Token);
        _servers[0] = await ApiServerProcess.StartAsync(_etcd.ClientUrls, sharedPkiFrom: null, timeout.Token);
        _servers[1] = await ApiServerProcess.StartAsync(_etcd.ClientUrls, sharedPkiFrom: _servers[0]!.DataDirectory, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in new IAsyncDisposable?[] { _servers[1], _servers[0], _etcd })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Killing_the_scheduler_lease_holder_hands_the_lease_to_the_other_server_which_schedules()
    {
        using var firstClient = _servers[0]!.CreateClient();
        var (holder, holderIndex) = await WaitForHolderAsync(firstClient, previous: null, TimeSpan.FromSeconds(60));
        var survivor = _servers[1 - holderIndex]!;
        using var client = survivor.CreateClient();

        await client.CoreV1.CreateNodeAsync(Node());
        await client.CoreV1.CreateNamespacedPodAsync(Pod("before"), "default");
        Assert.Equal(NodeName, await WaitForNodeNameAsync(client, "before", TimeSpan.FromSeconds(30)));

        await _servers[holderIndex]!.KillAsync();
        var killed = Stopwatch.StartNew();

        // While the dead holder's lease has not expired, the survivor's scheduler is no leader and binds nothing.
        await client.CoreV1.CreateNamespacedPodAsync(Pod("during"), "default");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var stillHeld = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace);
        Assert.Equal(holder, stillHeld.Spec.HolderIdentity);
        Assert.Null((await client.CoreV1.ReadNamespacedPodAsync("during", "default")).Spec.NodeName);

        var (next, nextIndex) = await WaitForHolderAsync(client, previous: holder, TakeoverLimit);
        var takeover = killed.Elapsed;
        output.WriteLine($"lease {LeaseNamespace}/{LeaseName} went from {holder} to {next} {takeover.TotalSeconds:F1} s after the kill");
        Assert.Equal(1 - holderIndex, nextIndex);

        // Only a scheduler can bind them: the dead server's is gone, so this is the survivor's, elected just now.
        Assert.Equal(NodeName, await WaitForNodeNameAsync(client, "during", TimeSpan.FromSeconds(30)));
        await client.CoreV1.CreateNamespacedPodAsync(Pod("after"), "default");
        Assert.Equal(NodeName, await WaitForNodeNameAsync(client, "after", TimeSpan.FromSeconds(30)));
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace);
        Assert.Equal(next, lease.Spec.HolderIdentity);
        Assert.True(lease.Spec.LeaseTransitions >= 1, $"leaseTransitions {lease.Spec.LeaseTransitions}");
    }

    /// <summary>The lease's holder once it is not <paramref name="previous"/>, and which server logged becoming it.</summary>
    private async Task<(string Holder, int Index)> WaitForHolderAsync(Kubernetes client, string? previous, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        string? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace);
                seen = lease.Spec?.HolderIdentity;
                if (!string.IsNullOrEmpty(seen) && seen != previous)
                {
                    for (var i = 0; i < _servers.Length; i++)
                    {
                        if (_servers[i]!.Logged($"{seen} became leader of lease {LeaseNamespace}/{LeaseName}"))
                        {
                            return (seen, i);
                        }
                    }
                }
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(
            $"no new holder of {LeaseNamespace}/{LeaseName} within {limit.TotalSeconds} s (previous {previous ?? "none"}, seen {seen ?? "none"})\n" +
            $"server 0:\n{_servers[0]!.Log()}\nserver 1:\n{_servers[1]!.Log()}");
    }

    private static async Task<string> WaitForNodeNameAsync(Kubernetes client, string pod, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        V1Pod? current = null;
        while (DateTime.UtcNow < deadline)
        {
            current = await client.CoreV1.ReadNamespacedPodAsync(pod, "default");
            if (!string.IsNullOrEmpty(current.Spec.NodeName))
            {
                return current.Spec.NodeName;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"pod {pod} not scheduled within {limit.TotalSeconds} s: {KubernetesJson.Serialize(current?.Status)}");
    }

    /// <summary>A node object without a kubelet: room for pods is all the scheduler needs.</summary>
    private static V1Node Node()
    {
        var room = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi"), ["pods"] = new("110") };
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = NodeName, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = NodeName } },
            Status = new V1NodeStatus
            {
                Capacity = room,
                Allocatable = room,
                Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", LastHeartbeatTime = DateTime.UtcNow, LastTransitionTime = DateTime.UtcNow }],
            },
        };
    }

    // Tolerates every taint: the node lifecycle controller taints this kubelet-less node once its heartbeat is stale.
    private static V1Pod Pod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "main", Image = "nginx:1.27" }],
            Tolerations = [new V1Toleration { OperatorProperty = "Exists" }],
        },
    };
}
