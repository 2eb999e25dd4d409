using System.Security.Cryptography.X509Certificates;

namespace Skiff.Client.Certificates;

/// <summary>
/// When a certificate is renewed (client-go's certificate manager): at a random point between 70% and 90% of its
/// validity, counted from NotBefore, so that nodes that joined together do not all renew in the same second and a
/// failed renewal still has a tenth of the lifetime to retry in.
/// </summary>
public static class RotationDeadline
{
    /// <param name="certificate">The certificate in use.</param>
    /// <param name="random">A number in [0, 1): where in the 70–90% window the deadline falls.</param>
    public static DateTimeOffset Of(X509Certificate2 certificate, double random)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
        return Of(notBefore, notAfter, random);
    }

    public static DateTimeOffset Of(DateTimeOffset notBefore, DateTimeOffset notAfter, double random)
    {
        var lifetime = notAfter - notBefore;
        return notBefore + (lifetime * (0.7 + (0.2 * Math.Clamp(random, 0, 1))));
    }
}
