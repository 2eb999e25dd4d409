using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Skiff.ApiServer.Audit;

/// <summary>
/// kube-apiserver's audit log: a policy that says how much to keep of each request and the log backend that writes
/// the events. The request handler calls <see cref="Begin"/> once per request and reports to the
/// <see cref="RequestAudit"/> it gets back.
/// </summary>
public sealed class AuditLog : IAsyncDisposable
{
    private readonly AuditLogWriter _writer;

    public AuditLog(AuditPolicy policy, AuditLogWriter writer, TimeProvider time)
    {
        Policy = policy;
        _writer = writer;
        Time = time;
    }

    public AuditPolicy Policy { get; }

    public TimeProvider Time { get; }

    /// <summary>Reads the policy file (a bad one throws a <see cref="FormatException"/> saying why) and opens the log.</summary>
    public static AuditLog Start(AuditOptions options, TimeProvider time, ILogger logger)
    {
        var policy = AuditPolicy.Load(options.PolicyFile);
        return new AuditLog(policy, new AuditLogWriter(options, time, logger), time);
    }

    public RequestAudit Begin(HttpContext context) => new(this, context);

    internal void Write(byte[] line) => _writer.Enqueue(line);

    public ValueTask DisposeAsync() => _writer.DisposeAsync();
}
