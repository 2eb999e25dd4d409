namespace Skiff.ApiServer.ServiceAccounts;

/// <summary>What a token is bound to besides its service account: a Pod or Secret (and the pod's node), by name and uid.</summary>
public sealed record BoundObject(string Kind, string Name, string Uid, string? NodeName = null, string? NodeUid = null);
