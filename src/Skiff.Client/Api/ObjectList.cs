namespace Skiff.Client.Api;

/// <summary>One page of a list: its items, the revision it was read at and the token of the next page.</summary>
public sealed record ObjectList<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);
