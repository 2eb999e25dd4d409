using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.NetworkPolicy;
using Skiff.Testing;
using static Skiff.Networking.Tests.NetworkPolicy.PolicyObjects;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>The enforcer's change detection: pod status churn (conditions, restarts) asks for no sync; what the rules
/// depend on (labels, addresses, namespace labels, policies) does.</summary>
public sealed class NetworkPolicyEnforcerTests
{
    [Fact]
    public async Task Only_changes_that_can_alter_the_rules_ask_for_a_sync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var api = new FakeApiClient();
        api.Seed(Namespace("default"));
        api.Seed(Pod("a", "10.42.0.2"));
        await using var context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        var enforcer = new NetworkPolicyEnforcer("node-1", context);
        context.Informers.Start(stop.Token);
        var changes = 0;
        using var registration = await enforcer.StartAsync(() => Interlocked.Increment(ref changes), stop.Token);
        var initial = Volatile.Read(ref changes);

        // A status-only update: once the informer's cache holds it (and its handlers had time), no sync was asked.
        var pods = context.Informers.Get<V1Pod>();
        var pod = (await api.GetAsync<V1Pod>("default", "a", stop.Token))!;
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }];
        pod = await api.UpdateStatusAsync(pod, stop.Token);
        await WaitForAsync(() => pods.Cache.Get("default", "a")?.Status?.Conditions is { Count: 1 }, stop.Token);
        await Task.Delay(300, stop.Token);
        Assert.Equal(initial, Volatile.Read(ref changes));

        pod.Metadata.Labels["app"] = "renamed";
        await api.UpdateAsync(pod, stop.Token);
        await WaitForAsync(() => Volatile.Read(ref changes) > initial, stop.Token);

        var ns = (await api.GetAsync<V1Namespace>(null, "default", stop.Token))!;
        ns.Metadata.Labels["env"] = "prod";
        await api.UpdateAsync(ns, stop.Token);
        await WaitForAsync(() => Volatile.Read(ref changes) > initial + 1, stop.Token);

        await api.CreateAsync(Policy("deny", new V1NetworkPolicySpec { PodSelector = All, PolicyTypes = ["Ingress"] }), stop.Token);
        await WaitForAsync(() => Volatile.Read(ref changes) > initial + 2, stop.Token);
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(20, cancellationToken);
        }
    }
}
