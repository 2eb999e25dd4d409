using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Admission;

/// <summary>One request as admission sees it (upstream's admission.Attributes).</summary>
public sealed record AdmissionAttributes
{
    public required AdmissionOperation Operation { get; init; }

    /// <summary>The resource the request is about (its group, plural, kind).</summary>
    public required ResourceDefinition Resource { get; init; }

    /// <summary>Empty for the main resource, else e.g. <c>status</c>, <c>exec</c>.</summary>
    public string Subresource { get; init; } = string.Empty;

    public string Namespace { get; init; } = string.Empty;

    /// <summary>The object's name; empty on a create that generates it.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>The new object (create, update); null on delete and connect. Mutating plugins change it in place.</summary>
    public IKubernetesObject<V1ObjectMeta>? Object { get; init; }

    /// <summary>The stored object (update, delete).</summary>
    public IKubernetesObject<V1ObjectMeta>? OldObject { get; init; }

    public required UserInfo User { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Read access to the cluster's objects, for plugins that look things up.</summary>
    public required IClusterObjects Cluster { get; init; }

    /// <summary>The API server's authorizer chain, for plugins that check a verb of their own (upstream's
    /// WantsAuthorizer, e.g. CertificateApproval's <c>approve</c> on <c>signers</c>); null before it is built.</summary>
    public Authorization.IAuthorizer? Authorizer { get; init; }

    public bool IsPod => Resource.Group.Length == 0 && Resource.Plural == "pods";

    public bool Is(string group, string plural) => Resource.Group == group && Resource.Plural == plural;
}
