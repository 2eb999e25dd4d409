using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Whether a user may <c>approve</c> or <c>sign</c> CertificateSigningRequests of one signer, as upstream's
/// certificates.IsAuthorizedForSignerName: the verb on the synthetic resource <c>signers</c> of
/// <c>certificates.k8s.io</c> named by the signer, else named by the signer's domain and <c>/*</c>
/// (<c>kubernetes.io/*</c> grants every signer of that domain).
/// </summary>
public static class SignerAuthorization
{
    public static bool IsAuthorized(IAuthorizer authorizer, UserInfo user, string verb, string signerName)
    {
        ArgumentNullException.ThrowIfNull(authorizer);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(signerName);
        var slash = signerName.IndexOf('/', StringComparison.Ordinal);
        var domain = slash < 0 ? signerName : signerName[..slash];
        return Allows(authorizer, user, verb, signerName) || Allows(authorizer, user, verb, domain + "/*");
    }

    private static bool Allows(IAuthorizer authorizer, UserInfo user, string verb, string name) =>
        authorizer.Authorize(new AuthorizationAttributes
        {
            User = user.Name,
            Groups = user.Groups,
            Verb = verb,
            IsResourceRequest = true,
            ApiGroup = "certificates.k8s.io",
            ApiVersion = "*",
            Resource = "signers",
            Name = name,
        }).Decision == Decision.Allow;

    /// <summary>The authorizer a plugin needs; its absence is a wiring fault (upstream's ValidateInitialization).</summary>
    public static IAuthorizer Require(AdmissionAttributes attributes, string plugin) =>
        attributes.Authorizer ?? throw new InvalidOperationException($"{plugin} requires an authorizer");
}
