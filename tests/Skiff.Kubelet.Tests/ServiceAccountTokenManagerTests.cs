using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Volumes;
using Skiff.Testing;

namespace Skiff.Kubelet.Tests;

/// <summary>The kubelet's projected service account tokens on a fake clock and a fake API: asked once, bound to
/// the pod, renewed after 80% of their lifetime, written into the projected volume and rewritten on renewal.</summary>
public sealed class ServiceAccountTokenManagerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeApiClient _api;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "skiff-tokens-" + Guid.NewGuid().ToString("N"));

    public ServiceAccountTokenManagerTests()
    {
        _api = new FakeApiClient(_time);
        _api.Seed(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot", NamespaceProperty = "team" } });
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static V1Pod Pod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "team", Uid = "uid-1" },
        Spec = new V1PodSpec
        {
            ServiceAccountName = "robot",
            Containers = [new V1Container { Name = "c", Image = "nginx" }],
            Volumes =
            [
                new V1Volume
                {
                    Name = "kube-api-access-abcde",
                    Projected = new V1ProjectedVolumeSource
                    {
                        Sources =
                        [
                            new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                            new V1VolumeProjection
                            {
                                DownwardAPI = new V1DownwardAPIProjection
                                {
                                    Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } }],
                                },
                            },
                        ],
                    },
                },
            ],
        },
    };

    [Fact]
    public async Task A_token_is_asked_once_bound_to_the_pod_and_renewed_after_80_percent_of_its_life()
    {
        var tokens = new ServiceAccountTokenManager(_api, _time);
        var pod = Pod();
        var first = await tokens.GetAsync(pod, "robot", null, 3600, CancellationToken.None);
        Assert.Equal(first, await tokens.GetAsync(pod, "robot", null, 3600, CancellationToken.None));
        Assert.Single(_api.Calls, c => c.Subresource == "token");
        Assert.False(tokens.NeedsRefresh("uid-1"));

        _time.Advance(TimeSpan.FromMinutes(47));
        Assert.False(tokens.NeedsRefresh("uid-1"));
        _time.Advance(TimeSpan.FromMinutes(2)); // 49 of 60 minutes: past 80%
        Assert.True(tokens.NeedsRefresh("uid-1"));
        var second = await tokens.GetAsync(pod, "robot", null, 3600, CancellationToken.None);
        Assert.NotEqual(first, second);
        Assert.False(tokens.NeedsRefresh("uid-1"));

        tokens.Forget("uid-1");
        Assert.False(tokens.NeedsRefresh("uid-1"));
    }

    [Fact]
    public async Task A_missing_account_is_a_mount_failure_naming_the_server_error()
    {
        var tokens = new ServiceAccountTokenManager(_api, _time);
        var error = await Assert.ThrowsAsync<ContainerConfigException>(() => tokens.GetAsync(Pod(), "ghost", null, 3600, CancellationToken.None));
        Assert.StartsWith("failed to fetch token: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_projected_volume_holds_the_token_and_is_rewritten_when_it_is_renewed()
    {
        var tokens = new ServiceAccountTokenManager(_api, _time);
        var volumes = new VolumeManager(new ConfigObjects(_api), new PodPaths(new KubeletOptions { RootDir = _root }), tokens);
        var pod = Pod();
        var facts = new PodNetworkFacts("n1", "10.0.0.1", "10.42.0.5", 2, 1L << 30);
        var dirs = await volumes.PrepareAsync(pod, facts, CancellationToken.None);
        var dir = dirs["kube-api-access-abcde"];
        var first = await File.ReadAllTextAsync(Path.Combine(dir, "token"));
        Assert.StartsWith("token-team-robot-", first, StringComparison.Ordinal);
        Assert.Equal("team", await File.ReadAllTextAsync(Path.Combine(dir, "namespace")));

        await volumes.RefreshTokensAsync(pod, facts, CancellationToken.None);
        Assert.Equal(first, await File.ReadAllTextAsync(Path.Combine(dir, "token")));

        _time.Advance(TimeSpan.FromMinutes(50));
        await volumes.RefreshTokensAsync(pod, facts, CancellationToken.None);
        Assert.NotEqual(first, await File.ReadAllTextAsync(Path.Combine(dir, "token")));
    }
}
