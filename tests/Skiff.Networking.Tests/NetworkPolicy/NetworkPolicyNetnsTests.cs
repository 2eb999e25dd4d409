using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.NetworkPolicy;
using Skiff.Networking.Proxy;
using Skiff.Testing;
using Xunit.Abstractions;
using static Skiff.Networking.Tests.NetworkPolicy.PolicyObjects;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>
/// NetworkPolicy on a real kernel: the service proxy with the enforcer in its table, applied by <c>nft</c> inside a
/// node namespace the test makes, pods on a bridge in that namespace, policies changed through the (fake) API as a
/// user would. Needs root, <c>ip</c>, <c>nft</c> and <c>python3</c> (as CI has); fails rather than skips without them.
/// </summary>
public sealed class NetworkPolicyNetnsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Port = 8080;
    private readonly BridgedPods _net = new();
    private readonly FakeApiClient _api = new();

    public Task InitializeAsync() => _net.CreateAsync("server", "client", "stranger");

    public Task DisposeAsync() => _net.DisposeAsync().AsTask();

    [Fact]
    public async Task Default_deny_blocks_an_allow_from_label_lets_only_the_labelled_pod_in_replies_pass_and_removal_reopens()
    {
        var server = _net.Ip("server");
        await _net.ListenAsync(_net.Netns("server"), server, Port);
        SeedPods();
        await RunAsync(async proxy =>
        {
            Assert.Equal("srv " + _net.Ip("client"), await _net.ConnectAsync("client", server, Port));
            Assert.Equal("srv " + _net.Ip("stranger"), await _net.ConnectAsync("stranger", server, Port));

            // Default deny for every pod of the namespace: the clients are isolated for ingress too, so the server's
            // answers reach them only as replies of connections they opened.
            await _api.CreateAsync(Policy("deny", new V1NetworkPolicySpec { PodSelector = All, PolicyTypes = ["Ingress"] }), CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("stranger", server, Port) == "timeout");
            Assert.Equal("timeout", await _net.ConnectAsync("client", server, Port));

            await _api.CreateAsync(Policy("allow-clients", new V1NetworkPolicySpec
            {
                PodSelector = Select("app", "server"),
                PolicyTypes = ["Ingress"],
                Ingress = [new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { PodSelector = Select("role", "client") }], Ports = [new V1NetworkPolicyPort { Port = "http" }] }],
            }), CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("client", server, Port) == "srv " + _net.Ip("client"));
            Assert.Equal("timeout", await _net.ConnectAsync("stranger", server, Port));

            // The stranger gets the label: it is let in, as the pod's labels change the peer set.
            var stranger = (await _api.GetAsync<V1Pod>("default", "stranger", CancellationToken.None))!;
            stranger.Metadata.Labels["role"] = "client";
            await _api.UpdateAsync(stranger, CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("stranger", server, Port) == "srv " + _net.Ip("stranger"));
            stranger = (await _api.GetAsync<V1Pod>("default", "stranger", CancellationToken.None))!;
            stranger.Metadata.Labels["role"] = "other";
            await _api.UpdateAsync(stranger, CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("stranger", server, Port) == "timeout");

            // Removing the deny policy (the server stays selected by allow-clients) leaves the stranger out; removing
            // both opens again. Each removal is measured from the API write to the first connection that gets through.
            await _api.DeleteAsync<V1NetworkPolicy>("default", "deny", null, CancellationToken.None);
            await Task.Delay(1500);
            Assert.Equal("timeout", await _net.ConnectAsync("stranger", server, Port));
            var syncs = proxy.Syncs;
            var removed = Stopwatch.StartNew();
            await _api.DeleteAsync<V1NetworkPolicy>("default", "allow-clients", null, CancellationToken.None);
            await EventuallyAsync(() => Task.FromResult(proxy.Syncs > syncs), pollMilliseconds: 10);
            var applied = removed.ElapsedMilliseconds;
            Assert.Equal("srv " + _net.Ip("stranger"), await _net.ConnectAsync("stranger", server, Port));
            output.WriteLine($"rules without the policy applied {applied} ms after it was deleted");
        });
    }

    [Fact]
    public async Task Egress_allows_only_the_listed_port_also_towards_the_node_itself()
    {
        var server = _net.Ip("server");
        await _net.ListenAsync(_net.Netns("server"), server, Port);
        await _net.ListenAsync(_net.Netns("server"), server, 9090);
        // Something on the node itself (cluster DNS is served there): reached through the input hook.
        await _net.ListenAsync(_net.Node, BridgedPods.NodeIp, 5353);
        SeedPods();
        await RunAsync(async proxy =>
        {
            await _api.CreateAsync(Policy("stranger-out", new V1NetworkPolicySpec
            {
                PodSelector = Select("role", "other"),
                PolicyTypes = ["Egress"],
                Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Protocol = "TCP", Port = 9000, EndPort = 9100 }] }],
            }), CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("stranger", server, Port) == "timeout");
            Assert.Equal("srv " + _net.Ip("stranger"), await _net.ConnectAsync("stranger", server, 9090));
            Assert.Equal("timeout", await _net.ConnectAsync("stranger", BridgedPods.NodeIp, 5353));
            // Pods no policy selects for egress are not limited.
            Assert.Equal("srv " + _net.Ip("client"), await _net.ConnectAsync("client", server, Port));
            Assert.Equal("srv " + _net.Ip("client"), await _net.ConnectAsync("client", BridgedPods.NodeIp, 5353));

            // An ipBlock that covers the node's address, on port 5353: allowed by the union of the two rules.
            var policy = (await _api.GetAsync<V1NetworkPolicy>("default", "stranger-out", CancellationToken.None))!;
            policy.Spec.Egress.Add(new V1NetworkPolicyEgressRule
            {
                To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = BridgedPods.PodCidr, Except = [server + "/32"] } }],
                Ports = [new V1NetworkPolicyPort { Port = 5353 }, new V1NetworkPolicyPort { Port = Port }],
            });
            await _api.UpdateAsync(policy, CancellationToken.None);
            await EventuallyAsync(async () => await _net.ConnectAsync("stranger", BridgedPods.NodeIp, 5353) == "srv " + _net.Ip("stranger"));
            // The server is in the except: still out of reach on 8080.
            Assert.Equal("timeout", await _net.ConnectAsync("stranger", server, Port));
        });
    }

    private void SeedPods()
    {
        _api.Seed(Namespace("default"));
        _api.Seed(Pod("server", _net.Ip("server"), labels: Labels("app", "server"), ports: new V1ContainerPort { Name = "http", ContainerPort = Port }));
        _api.Seed(Pod("client", _net.Ip("client"), labels: Labels("role", "client")));
        _api.Seed(Pod("stranger", _net.Ip("stranger"), labels: Labels("role", "other")));
    }

    /// <summary>Runs the node's proxy with the enforcer (upstream's 1 s min sync period) around <paramref name="body"/>.</summary>
    private async Task RunAsync(Func<ServiceProxy, Task> body)
    {
        var options = new ServiceProxyOptions
        {
            NodeName = "node-1",
            PodCidr = BridgedPods.PodCidr,
            Table = ServiceProxyOptions.TableFor("node-1"),
            NetworkNamespace = _net.Node,
        };
        await using var context = ComponentContext.Create(_api, TimeProvider.System, NullLoggerFactory.Instance);
        var proxy = new ServiceProxy(options, context, [new NetworkPolicyEnforcer("node-1", context)]);
        using var stop = new CancellationTokenSource();
        var running = proxy.RunAsync(stop.Token);
        try
        {
            await EventuallyAsync(() => Task.FromResult(proxy.Syncs >= 1));
            await body(proxy);
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, int pollMilliseconds = 100)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the rules did not get there within 20 s");
            await Task.Delay(pollMilliseconds);
        }
    }
}
