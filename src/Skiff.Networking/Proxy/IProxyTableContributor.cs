namespace Skiff.Networking.Proxy;

/// <summary>
/// Another node-local component whose chains live in the proxy's table: the proxy is the ONE owner of a node's
/// nftables state, so everything lands in one atomic transaction and one table (as the pod egress masquerade does).
/// </summary>
public interface IProxyTableContributor
{
    /// <summary>Registers the component's change handlers, which call <paramref name="changed"/>, and completes once
    /// they have been given their initial lists. Dispose the result to remove them.</summary>
    Task<IDisposable> StartAsync(Action changed, CancellationToken cancellationToken);

    /// <summary>Adds the component's chains, sets and maps to the wanted table, after the proxy's own.</summary>
    void AddTo(NftRuleset rules);
}
