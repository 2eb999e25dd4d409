using System.Text;
using k8s.Models;
using Skiff.Api.Bootstrap;
using Skiff.Controllers.Bootstrap;

namespace Skiff.Controllers.Tests;

/// <summary>The token cleaner deletes bootstrap token Secrets once they expire, and nothing else.</summary>
public sealed class TokenCleanerTests
{
    [Fact]
    public async Task An_expired_token_is_deleted_and_a_live_one_when_its_time_comes()
    {
        await using var h = new ControllerHarness();
        var now = h.Time.GetUtcNow();
        h.Api.Seed(BootstrapTokenSecrets.Create("aaaaaa", "0123456789abcdef", TimeSpan.FromHours(1), now - TimeSpan.FromHours(2), null, []));
        h.Api.Seed(BootstrapTokenSecrets.Create("bbbbbb", "0123456789abcdef", TimeSpan.FromMinutes(30), now, null, []));
        h.Api.Seed(BootstrapTokenSecrets.Create("cccccc", "0123456789abcdef", TimeSpan.Zero, now, "never expires", []));
        // Same type outside kube-system, and another type in kube-system: neither is a bootstrap token.
        var elsewhere = BootstrapTokenSecrets.Create("dddddd", "0123456789abcdef", TimeSpan.FromHours(1), now - TimeSpan.FromHours(2), null, []);
        elsewhere.Metadata.NamespaceProperty = "default";
        h.Api.Seed(elsewhere);
        h.Api.Seed(new V1Secret
        {
            ApiVersion = "v1", Kind = "Secret", Type = "Opaque",
            Metadata = new V1ObjectMeta { Name = "bootstrap-token-eeeeee", NamespaceProperty = "kube-system" },
            Data = new Dictionary<string, byte[]> { ["expiration"] = Encoding.UTF8.GetBytes("2020-01-01T00:00:00Z") },
        });
        using var cleaner = new TokenCleaner(h.Context);
        await h.StartAsync();
        await h.CaughtUpAsync<V1Secret>();

        foreach (var key in new[] { "kube-system/bootstrap-token-aaaaaa", "kube-system/bootstrap-token-bbbbbb", "kube-system/bootstrap-token-cccccc", "default/bootstrap-token-dddddd", "kube-system/bootstrap-token-eeeeee" })
        {
            await cleaner.SyncAsync(key, h.Token);
        }

        Assert.Null(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-aaaaaa"));
        Assert.NotNull(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-bbbbbb"));
        Assert.NotNull(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-cccccc"));
        Assert.NotNull(h.Api.Peek<V1Secret>("default", "bootstrap-token-dddddd"));
        Assert.NotNull(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-eeeeee"));

        h.Time.Advance(TimeSpan.FromMinutes(31));
        await cleaner.SyncAsync("kube-system/bootstrap-token-bbbbbb", h.Token);
        Assert.Null(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-bbbbbb"));
        Assert.NotNull(h.Api.Peek<V1Secret>("kube-system", "bootstrap-token-cccccc"));
    }
}
