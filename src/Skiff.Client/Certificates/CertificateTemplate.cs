using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;

namespace Skiff.Client.Certificates;

/// <summary>What a client asks a signer for: the subject, the signer and the usages of a CertificateSigningRequest
/// (client-go's certificate manager template).</summary>
public sealed record CertificateTemplate(string CommonName, IReadOnlyList<string> Organizations, string SignerName, IReadOnlyList<string> Usages)
{
    /// <summary>upstream's kube-apiserver-client-kubelet signer: kubelets' client certificates, auto-approved.</summary>
    public const string KubeletClientSigner = "kubernetes.io/kube-apiserver-client-kubelet";

    /// <summary>A kubelet's client certificate: <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c>, with exactly
    /// the usages csrapproving accepts for an ECDSA key.</summary>
    public static CertificateTemplate KubeletClient(string nodeName) =>
        new("system:node:" + nodeName, ["system:nodes"], KubeletClientSigner, ["digital signature", "client auth"]);

    /// <summary>A new ECDSA P-256 key and the request for it (named from <paramref name="generateName"/>).</summary>
    public (V1CertificateSigningRequest Request, ECDsa Key) CreateRequest(string generateName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        foreach (var organization in Organizations)
        {
            subject.AddOrganizationName(organization);
        }

        subject.AddCommonName(CommonName);
        var pkcs10 = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256);
        var request = new V1CertificateSigningRequest
        {
            ApiVersion = "certificates.k8s.io/v1",
            Kind = "CertificateSigningRequest",
            Metadata = new V1ObjectMeta { GenerateName = generateName },
            Spec = new V1CertificateSigningRequestSpec
            {
                Request = Encoding.ASCII.GetBytes(pkcs10.CreateSigningRequestPem()),
                SignerName = SignerName,
                Usages = [.. Usages],
            },
        };
        return (request, key);
    }
}
