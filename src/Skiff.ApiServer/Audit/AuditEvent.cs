using System.Globalization;
using System.Text.Json;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Audit;

/// <summary>One request's audit.k8s.io/v1 Event, filled in as the request goes; written once per stage.</summary>
public sealed class AuditEvent
{
    public required AuditLevel Level { get; init; }

    public required string AuditId { get; init; }

    public required string RequestUri { get; init; }

    public required string Verb { get; init; }

    public required string UserName { get; init; }

    public required IReadOnlyList<string> UserGroups { get; init; }

    /// <summary>Set when the request acted as someone else (<c>kubectl --as</c>).</summary>
    public (string Name, IReadOnlyList<string> Groups)? ImpersonatedUser { get; init; }

    public required IReadOnlyList<string> SourceIps { get; init; }

    public string? UserAgent { get; init; }

    /// <summary>The resource request's object, or null for a non-resource request.</summary>
    public AuthorizationAttributes? ObjectRef { get; init; }

    public required DateTimeOffset RequestReceived { get; init; }

    public int? Code { get; set; }

    /// <summary>The failure Status's status/reason/message, when the request failed.</summary>
    public (string? Reason, string? Message)? Failure { get; set; }

    /// <summary>The request body as JSON (level Request and up).</summary>
    public byte[]? RequestObject { get; set; }

    /// <summary>The response body as JSON (level RequestResponse).</summary>
    public byte[]? ResponseObject { get; set; }

    public Dictionary<string, string> Annotations { get; } = new(StringComparer.Ordinal);

    /// <summary>The event as one JSON line at <paramref name="stage"/>, stamped <paramref name="now"/>.</summary>
    public byte[] ToJsonLine(string stage, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Event");
            w.WriteString("apiVersion", "audit.k8s.io/v1");
            w.WriteString("level", Level.ToString());
            w.WriteString("auditID", AuditId);
            w.WriteString("stage", stage);
            w.WriteString("requestURI", RequestUri);
            w.WriteString("verb", Verb);
            WriteUser(w, "user", UserName, UserGroups);
            if (ImpersonatedUser is { } impersonated)
            {
                WriteUser(w, "impersonatedUser", impersonated.Name, impersonated.Groups);
            }

            w.WriteStartArray("sourceIPs");
            foreach (var ip in SourceIps)
            {
                w.WriteStringValue(ip);
            }

            w.WriteEndArray();
            if (!string.IsNullOrEmpty(UserAgent))
            {
                w.WriteString("userAgent", UserAgent);
            }

            if (ObjectRef is { IsResourceRequest: true } o)
            {
                w.WriteStartObject("objectRef");
                WriteIfAny(w, "resource", o.Resource);
                WriteIfAny(w, "namespace", o.Namespace);
                WriteIfAny(w, "name", o.Name);
                WriteIfAny(w, "apiGroup", o.ApiGroup);
                WriteIfAny(w, "apiVersion", o.ApiVersion);
                WriteIfAny(w, "subresource", o.Subresource);
                w.WriteEndObject();
            }

            if (stage != AuditStages.RequestReceived && Code is { } code)
            {
                w.WriteStartObject("responseStatus");
                w.WriteStartObject("metadata");
                w.WriteEndObject();
                if (Failure is { } failure)
                {
                    w.WriteString("status", "Failure");
                    WriteIfAny(w, "message", failure.Message);
                    WriteIfAny(w, "reason", failure.Reason);
                }

                w.WriteNumber("code", code);
                w.WriteEndObject();
            }

            if (RequestObject is not null && Level >= AuditLevel.Request)
            {
                w.WritePropertyName("requestObject");
                w.WriteRawValue(RequestObject, skipInputValidation: true);
            }

            if (ResponseObject is not null && Level >= AuditLevel.RequestResponse && stage == AuditStages.ResponseComplete)
            {
                w.WritePropertyName("responseObject");
                w.WriteRawValue(ResponseObject, skipInputValidation: true);
            }

            w.WriteString("requestReceivedTimestamp", MicroTime(RequestReceived));
            w.WriteString("stageTimestamp", MicroTime(now));
            if (Annotations.Count > 0)
            {
                w.WriteStartObject("annotations");
                foreach (var (key, value) in Annotations)
                {
                    w.WriteString(key, value);
                }

                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>metav1.MicroTime: RFC 3339 with microseconds, UTC.</summary>
    public static string MicroTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static void WriteUser(Utf8JsonWriter w, string property, string name, IReadOnlyList<string> groups)
    {
        w.WriteStartObject(property);
        if (name.Length > 0)
        {
            // An unauthenticated request's event has an empty user, as upstream's nil one.
            w.WriteString("username", name);
        }

        if (groups.Count > 0)
        {
            w.WriteStartArray("groups");
            foreach (var group in groups)
            {
                w.WriteStringValue(group);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    private static void WriteIfAny(Utf8JsonWriter w, string property, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            w.WriteString(property, value);
        }
    }
}
