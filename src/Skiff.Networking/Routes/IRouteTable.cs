using System.Net;

namespace Skiff.Networking.Routes;

/// <summary>The node's kernel routing table as the route controller sees it: only the routes it owns (marked with
/// its protocol number), so it never touches anyone else's.</summary>
public interface IRouteTable
{
    /// <summary>The routes this controller installed (on an earlier run too).</summary>
    Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Adds the route or changes the existing one to the same destination.</summary>
    Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken);

    /// <summary>Removes our route to <paramref name="destination"/>.</summary>
    Task DeleteAsync(string destination, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="address"/> is reached directly on one of this host's links (no gateway in
    /// between): only then can a route point at it (host-gw's rule).</summary>
    Task<bool> IsOnLinkAsync(IPAddress address, CancellationToken cancellationToken);
}
