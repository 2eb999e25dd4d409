using System.Net;
using Skiff.Networking.Routes;

namespace Skiff.Networking.Tests.Routes;

/// <summary>An in-memory route table: our routes, the addresses on this host's links, and every change as the
/// <c>ip</c> command <see cref="IpRouteTable"/> would run.</summary>
internal sealed class FakeRouteTable : IRouteTable
{
    public Dictionary<string, PodRoute> Routes { get; } = new(StringComparer.Ordinal);

    public HashSet<string> OnLink { get; } = new(StringComparer.Ordinal);

    public List<string> Commands { get; } = [];

    public Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PodRoute>>([.. Routes.Values]);

    public Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken)
    {
        Commands.Add("ip " + string.Join(' ', IpRouteTable.ReplaceArguments(route)));
        Routes[route.Destination] = route;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string destination, CancellationToken cancellationToken)
    {
        Commands.Add("ip " + string.Join(' ', IpRouteTable.DeleteArguments(destination)));
        Routes.Remove(destination);
        return Task.CompletedTask;
    }

    public Task<bool> IsOnLinkAsync(IPAddress address, CancellationToken cancellationToken) => Task.FromResult(OnLink.Contains(address.ToString()));
}
