using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Server.Auth;

namespace Skiff.Kubelet.Tests.Server.Auth;

/// <summary>The kubelet remembers TokenReviews 2 min, allowed SubjectAccessReviews 5 min, denied ones 30 s, and no
/// failed call.</summary>
public sealed class CachingKubeletReviewsTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly CountingReviews _inner = new();

    [Fact]
    public async Task A_token_review_is_reused_for_two_minutes_valid_or_not()
    {
        var reviews = new CachingKubeletReviews(_inner, _time);
        Assert.Equal("alice", (await reviews.ReviewTokenAsync("good", default))?.Name);
        Assert.Null(await reviews.ReviewTokenAsync("bad", default));
        _time.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal("alice", (await reviews.ReviewTokenAsync("good", default))?.Name);
        Assert.Null(await reviews.ReviewTokenAsync("bad", default));
        Assert.Equal(2, _inner.TokenCalls);

        _time.Advance(TimeSpan.FromSeconds(2));
        await reviews.ReviewTokenAsync("good", default);
        await reviews.ReviewTokenAsync("bad", default);
        Assert.Equal(4, _inner.TokenCalls);
    }

    [Fact]
    public async Task An_allowed_decision_lasts_five_minutes_and_a_denied_one_thirty_seconds()
    {
        var reviews = new CachingKubeletReviews(_inner, _time);
        var allowed = KubeletRequestAttributes.For(KubeletUser.Of("alice", []), "GET", "/stats/summary", "n1");
        var denied = KubeletRequestAttributes.For(KubeletUser.Of("bob", []), "GET", "/stats/summary", "n1");
        Assert.True(await reviews.ReviewAccessAsync(allowed, default));
        Assert.False(await reviews.ReviewAccessAsync(denied, default));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.True(await reviews.ReviewAccessAsync(allowed, default));
        Assert.False(await reviews.ReviewAccessAsync(denied, default));
        Assert.Equal(2, _inner.AccessCalls);

        _time.Advance(TimeSpan.FromSeconds(2)); // 31 s: the denial is asked again, the allowance is not
        Assert.False(await reviews.ReviewAccessAsync(denied, default));
        Assert.True(await reviews.ReviewAccessAsync(allowed, default));
        Assert.Equal(3, _inner.AccessCalls);

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await reviews.ReviewAccessAsync(allowed, default));
        Assert.Equal(4, _inner.AccessCalls);
    }

    [Fact]
    public async Task Decisions_are_kept_per_user_groups_verb_and_subresource_but_not_per_path()
    {
        var reviews = new CachingKubeletReviews(_inner, _time);
        var alice = KubeletUser.Of("alice", []);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(alice, "GET", "/stats/summary", "n1"), default);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(alice, "GET", "/stats", "n1"), default);
        Assert.Equal(1, _inner.AccessCalls);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(alice, "POST", "/stats", "n1"), default);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(alice, "GET", "/pods", "n1"), default);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(KubeletUser.Of("alice", ["admins"]), "GET", "/stats", "n1"), default);
        await reviews.ReviewAccessAsync(KubeletRequestAttributes.For(alice, "GET", "/stats", "n2"), default);
        Assert.Equal(5, _inner.AccessCalls);
    }

    [Fact]
    public async Task A_failed_review_is_not_remembered()
    {
        var reviews = new CachingKubeletReviews(_inner, _time);
        var a = KubeletRequestAttributes.For(KubeletUser.Of("alice", []), "GET", "/pods", "n1");
        _inner.Fail = true;
        await Assert.ThrowsAsync<HttpRequestException>(() => reviews.ReviewAccessAsync(a, default));
        await Assert.ThrowsAsync<HttpRequestException>(() => reviews.ReviewTokenAsync("good", default));
        _inner.Fail = false;
        Assert.True(await reviews.ReviewAccessAsync(a, default));
        Assert.Equal("alice", (await reviews.ReviewTokenAsync("good", default))?.Name);
    }

    /// <summary>"good" is alice; alice may do anything, nobody else anything.</summary>
    private sealed class CountingReviews : IKubeletReviews
    {
        public int TokenCalls { get; private set; }

        public int AccessCalls { get; private set; }

        public bool Fail { get; set; }

        public Task<KubeletUser?> ReviewTokenAsync(string token, CancellationToken cancellationToken)
        {
            TokenCalls++;
            return Fail ? throw new HttpRequestException("down") : Task.FromResult(token == "good" ? KubeletUser.Of("alice", []) : null);
        }

        public Task<bool> ReviewAccessAsync(KubeletRequestAttributes attributes, CancellationToken cancellationToken)
        {
            AccessCalls++;
            return Fail ? throw new HttpRequestException("down") : Task.FromResult(attributes.User.Name == "alice");
        }
    }
}
