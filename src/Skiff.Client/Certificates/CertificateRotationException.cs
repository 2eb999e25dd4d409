namespace Skiff.Client.Certificates;

/// <summary>A renewal that did not produce a certificate: refused, deleted, timed out or issued for someone else.</summary>
public sealed class CertificateRotationException : Exception
{
    public CertificateRotationException()
    {
    }

    public CertificateRotationException(string message)
        : base(message)
    {
    }

    public CertificateRotationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
