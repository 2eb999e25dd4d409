namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Upstream's RBAC authorizer: allows what a Role or ClusterRole bound to the user, one of its groups or its service
/// account permits; otherwise no opinion. The index is rebuilt only when an RBAC object changed.
/// </summary>
public sealed class RbacAuthorizer : IAuthorizer, IRuleResolver
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

    /// <summary>Allowed with upstream's reason ("RBAC: allowed by ClusterRoleBinding ... to User ..."), else no opinion.</summary>
    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes) =>
        Index.AllowedBy(attributes) is { } grant ? (Decision.Allow, grant.AllowedReason) : (Decision.NoOpinion, string.Empty);

    public SubjectRules RulesFor(string user, IReadOnlyList<string> groups, string ns) =>
        SubjectRules.FromPolicyRules(Index.RulesFor(user, groups, ns));

    private sealed record Snapshot(long Version, PolicyIndex Index);
}
