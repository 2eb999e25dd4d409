namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Upstream's RBAC authorizer: allows what a Role or ClusterRole bound to the user, one of its groups or its service
/// account permits; otherwise no opinion. The index is rebuilt only when an RBAC object changed.
/// </summary>
public sealed class RbacAuthorizer : IAuthorizer
{
    private readonly IRbacObjects _objects;
    private readonly object _gate = new();
    private Snapshot? _current;

    public RbacAuthorizer(IRbacObjects objects)
    {
        _objects = objects;
    }

    public PolicyIndex Index
    {
        get
        {
            var version = _objects.Version;
            var current = Volatile.Read(ref _current);
            if (current is not null && current.Version == version)
            {
                return current.Index;
            }

            lock (_gate)
            {
                version = _objects.Version;
                if (_current is not null && _current.Version == version)
                {
                    return _current.Index;
                }

                var index = new PolicyIndex(_objects);
                Volatile.Write(ref _current, new Snapshot(version, index));
                return index;
            }
        }
    }

    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes) =>
        Index.Allows(attributes) ? (Decision.Allow, string.Empty) : (Decision.NoOpinion, string.Empty);

    private sealed record Snapshot(long Version, PolicyIndex Index);
}
