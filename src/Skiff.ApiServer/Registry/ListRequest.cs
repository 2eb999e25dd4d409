using Skiff.Api.Selection;

namespace Skiff.ApiServer.Registry;

/// <summary>The list/watch query parameters that select and page objects.</summary>
public sealed record ListRequest(
    LabelSelector Labels,
    FieldSelector Fields,
    int Limit,
    string? Continue,
    string? ResourceVersion,
    string? ResourceVersionMatch);

/// <summary>One page of a list.</summary>
public sealed record ListPage(IReadOnlyList<Watch.CachedObject> Items, long Revision, string? Continue, long? RemainingItemCount);
