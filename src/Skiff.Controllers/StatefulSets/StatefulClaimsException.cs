namespace Skiff.Controllers.StatefulSets;

/// <summary>A pod's claims could not all be made ready (one failed to be created, or is being deleted): the pod waits.</summary>
public sealed class StatefulClaimsException : Exception
{
    public StatefulClaimsException()
    {
    }

    public StatefulClaimsException(string message)
        : base(message)
    {
    }

    public StatefulClaimsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
