namespace Skiff.ApiServer.Audit;

/// <summary>How much of a request the audit log keeps (audit.k8s.io/v1 Level), in increasing order.</summary>
public enum AuditLevel
{
    /// <summary>Nothing.</summary>
    None,

    /// <summary>Who, what, when and the response code; no bodies.</summary>
    Metadata,

    /// <summary>Metadata and the request's body.</summary>
    Request,

    /// <summary>Metadata, the request's and the response's bodies.</summary>
    RequestResponse,
}

/// <summary>The stages of a request an event is written at (audit.k8s.io/v1 Stage).</summary>
public static class AuditStages
{
    public const string RequestReceived = "RequestReceived";
    public const string ResponseStarted = "ResponseStarted";
    public const string ResponseComplete = "ResponseComplete";
    public const string Panic = "Panic";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { RequestReceived, ResponseStarted, ResponseComplete, Panic };
}
