using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.ServiceAccounts;

/// <summary>What the per-namespace publishers ask of a namespace and of a refused create.</summary>
internal static class NamespaceStates
{
    /// <summary>The cause upstream puts on a create refused because its namespace is being deleted.</summary>
    public const string TerminatingCause = "NamespaceTerminating";

    /// <summary>Active: not being deleted (upstream publishes into <c>status.phase == Active</c> namespaces only).</summary>
    public static bool IsActive(V1Namespace ns) =>
        ns.Metadata.DeletionTimestamp is null && ns.Status?.Phase is null or "Active";

    /// <summary>A create that failed because the namespace is gone or terminating: nothing to retry.</summary>
    public static bool IsNamespaceGoneOrTerminating(ApiException e) =>
        e.IsNotFound || e.HasCause(TerminatingCause);
}
