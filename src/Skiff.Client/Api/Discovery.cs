namespace Skiff.Client.Api;

/// <summary>A resource the server lists in discovery (subresources excluded), with the verbs it supports there.</summary>
public sealed record DiscoveredResource(ApiResource Resource, IReadOnlyList<string> Verbs)
{
    public bool Supports(string verb) => Verbs.Contains(verb, StringComparer.Ordinal);
}

/// <summary>
/// What discovery found, at each group's preferred version (client-go's ServerPreferredResources): the resources,
/// and the group-versions whose discovery failed with the error's message. A partial answer is still an answer:
/// callers act on what was found and report the failures (as the namespace controller does).
/// </summary>
public sealed record DiscoveryResult(IReadOnlyList<DiscoveredResource> Resources, IReadOnlyDictionary<string, string> FailedGroups);
