using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Text;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Audit;

/// <summary>
/// The audit of one request, as upstream's audit filter: the policy is asked once the user is known (the authenticated
/// user, before impersonation), then the event is written at RequestReceived, at ResponseStarted for long-running
/// requests (watch, exec, attach, port-forward, proxy, followed logs) and at ResponseComplete, minus the stages the
/// policy omits; the authorizer's decision and reason are its annotations. Every response carries the
/// <c>Audit-Id</c> header.
/// </summary>
public sealed class RequestAudit
{
    private const int BodyLimit = 3 * 1024 * 1024;
    private static readonly string[] LongRunningSubresources = ["exec", "attach", "portforward", "proxy"];
    private readonly AuditLog _log;
    private readonly HttpContext _context;
    private readonly string _id = Guid.NewGuid().ToString();
    private readonly DateTimeOffset _received;
    private AuditEvent? _event;
    private IReadOnlySet<string> _omit = new HashSet<string>();
    private ResponseCapture? _capture;
    private bool _bufferedRequest;

    internal RequestAudit(AuditLog log, HttpContext context)
    {
        _log = log;
        _context = context;
        _received = log.Time.GetUtcNow();
        // Set as the headers leave: an error response clears what was set before.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers["Audit-Id"] = _id;
            return Task.CompletedTask;
        });
    }

    /// <summary>The request's user is known: decides its level and writes RequestReceived.</summary>
    public void Start(UserInfo authenticated, UserInfo actingAs, AuthorizationAttributes attributes)
    {
        var groups = RequestAttributes.GroupsOf(authenticated);
        var (level, omit) = _log.Policy.Evaluate(attributes with { User = authenticated.Name, Groups = groups });
        if (level == AuditLevel.None)
        {
            return;
        }

        _omit = omit;
        var request = _context.Request;
        var remote = _context.Connection.RemoteIpAddress;
        _event = new AuditEvent
        {
            Level = level,
            AuditId = _id,
            RequestUri = request.Path.Value + request.QueryString.Value,
            Verb = attributes.Verb,
            UserName = authenticated.Name,
            UserGroups = groups,
            ImpersonatedUser = ReferenceEquals(authenticated, actingAs) ? null : (actingAs.Name, actingAs.Groups),
            SourceIps = remote is null ? [] : [(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString()],
            UserAgent = request.Headers.UserAgent.ToString(),
            ObjectRef = attributes.IsResourceRequest ? attributes : null,
            RequestReceived = _received,
        };

        if (level >= AuditLevel.Request && request.Method is "POST" or "PUT" or "PATCH")
        {
            request.EnableBuffering(BodyLimit);
            _bufferedRequest = true;
        }

        var longRunning = attributes.Verb == "watch" || LongRunningSubresources.Contains(attributes.Subresource)
            || (attributes.Subresource == "log" && request.Query["follow"].ToString() is "true" or "1");
        if (level == AuditLevel.RequestResponse && !longRunning)
        {
            _capture = new ResponseCapture(_context.Response.Body, BodyLimit);
            _context.Response.Body = _capture;
        }

        if (longRunning)
        {
            _context.Response.OnStarting(() =>
            {
                _event.Code = _context.Response.StatusCode;
                Emit(AuditStages.ResponseStarted);
                return Task.CompletedTask;
            });
        }

        Emit(AuditStages.RequestReceived);
    }

    /// <summary>
    /// The request's credentials were refused (401): as upstream's failed-authentication audit, one event at
    /// ResponseStarted with no user, at the level the policy gives an unknown user, saying which methods were tried.
    /// </summary>
    public void Unauthenticated(AuthorizationAttributes attributes, string message)
    {
        var (level, omit) = _log.Policy.Evaluate(attributes with { User = string.Empty, Groups = [] });
        if (level == AuditLevel.None || omit.Contains(AuditStages.ResponseStarted))
        {
            return;
        }

        var request = _context.Request;
        var remote = _context.Connection.RemoteIpAddress;
        var failed = new AuditEvent
        {
            Level = level,
            AuditId = _id,
            RequestUri = request.Path.Value + request.QueryString.Value,
            Verb = attributes.Verb,
            UserName = string.Empty,
            UserGroups = [],
            SourceIps = remote is null ? [] : [(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString()],
            UserAgent = request.Headers.UserAgent.ToString(),
            ObjectRef = attributes.IsResourceRequest ? attributes : null,
            RequestReceived = _received,
            Code = 401,
            Failure = (null, message),
        };
        _log.Write(failed.ToJsonLine(AuditStages.ResponseStarted, _log.Time.GetUtcNow()));
    }

    /// <summary>The authorizer's answer, kept as upstream's annotations.</summary>
    public void Decided(Decision decision, string reason)
    {
        if (_event is null)
        {
            return;
        }

        _event.Annotations["authorization.k8s.io/decision"] = decision == Decision.Allow ? "allow" : "forbid";
        _event.Annotations["authorization.k8s.io/reason"] = reason;
    }

    /// <summary>The request failed with this Status.</summary>
    public void Failed(k8s.Models.V1Status status)
    {
        if (_event is not null)
        {
            _event.Failure = (status.Reason, status.Message);
        }
    }

    /// <summary>The response is done: writes ResponseComplete with the code and, per level, the bodies.</summary>
    public async Task CompleteAsync()
    {
        if (_event is null)
        {
            return;
        }

        _event.Code = _context.Response.StatusCode;
        if (_bufferedRequest)
        {
            _event.RequestObject = await RequestBodyAsJsonAsync();
        }

        if (_capture is not null)
        {
            await _context.Response.CompleteAsync();
            _event.ResponseObject = _capture.Complete && IsJson(_context.Response.ContentType) && IsValidJson(_capture.Captured) ? _capture.Captured : null;
        }

        Emit(AuditStages.ResponseComplete);
    }

    private async Task<byte[]?> RequestBodyAsJsonAsync()
    {
        try
        {
            var body = _context.Request.Body;
            body.Position = 0;
            using var copy = new MemoryStream();
            await body.CopyToAsync(copy);
            var bytes = copy.ToArray();
            var type = _context.Request.ContentType ?? string.Empty;
            if (type.Contains("yaml", StringComparison.OrdinalIgnoreCase))
            {
                bytes = YamlToJson.Convert(bytes);
            }
            else if (!IsJson(type))
            {
                return null; // protobuf bodies are not decoded for the log
            }

            return bytes.Length > 0 && IsValidJson(bytes) ? bytes : null;
        }
        catch (Exception e) when (e is IOException or NotSupportedException or ObjectDisposedException or FormatException)
        {
            return null;
        }
    }

    private static bool IsJson(string? contentType) => contentType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

    private static bool IsValidJson(byte[] bytes)
    {
        try
        {
            using var _ = JsonDocument.Parse(bytes);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Emit(string stage)
    {
        if (_event is not null && !_omit.Contains(stage))
        {
            _log.Write(_event.ToJsonLine(stage, _log.Time.GetUtcNow()));
        }
    }
}
