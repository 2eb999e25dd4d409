namespace Skiff.ApiServer.Authorization;

/// <summary>Allows everything: upstream's <c>--authorization-mode=AlwaysAllow</c> (Skiff before RBAC; benchmarks).</summary>
public sealed class AlwaysAllowAuthorizer : IAuthorizer, IRuleResolver
{
    private static readonly SubjectRules Everything = new(
        [new k8s.Models.V1ResourceRule { Verbs = ["*"], ApiGroups = ["*"], Resources = ["*"] }],
        [new k8s.Models.V1NonResourceRule { Verbs = ["*"], NonResourceURLs = ["*"] }],
        false,
        null);

    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes) => (Decision.Allow, string.Empty);

    public SubjectRules RulesFor(string user, IReadOnlyList<string> groups, string ns) => Everything;
}
