using k8s.Models;
using Skiff.Apimachinery;

namespace Skiff.ApiServer.Http;

/// <summary>
/// Builders of Kubernetes' <c>metav1.Status</c> errors with the real reasons, codes and messages. <paramref name="resource"/>
/// arguments are the qualified resource as Kubernetes prints it: <c>pods</c>, <c>deployments.apps</c>.
/// </summary>
public static class StatusErrors
{
    public static V1Status Status(int code, string reason, string message, V1StatusDetails? details = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = reason,
        Details = details,
        Code = code,
    };

    public static V1Status Success(V1StatusDetails? details = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Success",
        Details = details,
    };

    public static string QualifiedResource(ResourceDefinition def, string? subresource = null)
    {
        var name = subresource is null ? def.Plural : def.Plural + "/" + subresource;
        return def.Group.Length == 0 ? name : name + "." + def.Group;
    }

    private static V1StatusDetails Details(string resource, string? name) => new()
    {
        Name = name,
        Group = resource.Contains('.', StringComparison.Ordinal) ? resource[(resource.IndexOf('.', StringComparison.Ordinal) + 1)..] : null,
        Kind = resource.Contains('.', StringComparison.Ordinal) ? resource[..resource.IndexOf('.', StringComparison.Ordinal)] : resource,
    };

    public static ApiException NotFound(string resource, string name) =>
        new(Status(404, "NotFound", $"{resource} \"{name}\" not found", Details(resource, name)));

    public static ApiException NotFoundPlain() =>
        new(Status(404, "NotFound", "the server could not find the requested resource", new V1StatusDetails()));

    public static ApiException AlreadyExists(string resource, string name) =>
        new(Status(409, "AlreadyExists", $"{resource} \"{name}\" already exists", Details(resource, name)));

    public static ApiException Conflict(string resource, string name, string detail) =>
        new(Status(409, "Conflict", $"Operation cannot be fulfilled on {resource} \"{name}\": {detail}", Details(resource, name)));

    public const string ModifiedDetail =
        "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiException Invalid(string kind, string group, string name, IReadOnlyList<FieldError> errors)
    {
        var messages = errors.Select(Render).ToList();
        var summary = messages.Count == 1 ? messages[0] : "[" + string.Join(", ", messages) + "]";
        var details = new V1StatusDetails
        {
            Name = name.Length == 0 ? null : name,
            Group = group.Length == 0 ? null : group,
            Kind = kind.Length == 0 ? null : kind,
            Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = Render(e)[(e.Field.Length + 2)..], Field = e.Field }).ToList(),
        };
        var qualifiedKind = group.Length == 0 ? kind : kind + "." + group;
        return new ApiException(Status(422, "Invalid", $"{qualifiedKind} \"{name}\" is invalid: {summary}", details));
    }

    /// <summary>A field error as Kubernetes prints it: <c>spec.x: Invalid value: "v": detail</c>.</summary>
    public static string Render(FieldError error)
    {
        var text = error.Field + ": " + error.TypeText;
        var showValue = error.Type is FieldErrorType.Invalid or FieldErrorType.NotSupported or FieldErrorType.Duplicate;
        if (showValue && error.BadValue is not null)
        {
            text += ": " + (error.BadValue is string s ? Skiff.Apimachinery.Validation.GoFormat.Quote(s) : Convert.ToString(error.BadValue, System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!string.IsNullOrEmpty(error.Detail))
        {
            text += ": " + error.Detail;
        }

        return text;
    }

    public static ApiException BadRequest(string message) => new(Status(400, "BadRequest", message));

    public static ApiException Forbidden(string resource, string name, string detail) =>
        new(Status(403, "Forbidden", $"{resource} \"{name}\" is forbidden: {detail}", Details(resource, name)));

    /// <summary>The authorizer's 403, worded as upstream's: <c>pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default"</c>.</summary>
    public static ApiException Forbidden(Authorization.AuthorizationAttributes a, string reason)
    {
        var detail = a.ForbiddenDetail() + (reason.Length > 0 ? ": " + reason : string.Empty);
        if (!a.IsResourceRequest)
        {
            return new(Status(403, "Forbidden", "forbidden: " + detail));
        }

        var resource = a.ApiGroup.Length > 0 ? $"{a.Resource}.{a.ApiGroup}" : a.Resource;
        var message = a.Name.Length > 0 ? $"{resource} \"{a.Name}\" is forbidden: {detail}" : $"{resource} is forbidden: {detail}";
        var details = new V1StatusDetails { Name = a.Name.Length > 0 ? a.Name : null, Group = a.ApiGroup, Kind = a.Resource };
        return new(Status(403, "Forbidden", message, details));
    }

    public static ApiException MethodNotAllowed(string verb, string resource) =>
        new(Status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", Details(resource, null)));

    public static ApiException Gone(string message) => new(Status(410, "Expired", message));

    public static ApiException TooLarge() =>
        new(Status(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"));

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got {contentType})"));

    public static ApiException NotAcceptable(string accept) =>
        new(Status(406, "NotAcceptable", $"only the following media types are accepted: application/json, application/yaml (got {accept})"));

    public static ApiException Unauthorized() => new(Status(401, "Unauthorized", "Unauthorized"));

    public static ApiException Timeout(string message) => new(Status(504, "Timeout", message));

    public static ApiException Unavailable(string message) => new(Status(503, "ServiceUnavailable", message));

    public static ApiException Internal(string message) => new(Status(500, "InternalError", message));

    /// <summary>What the API server answers for an error it did not classify (a plain Go error from deep inside, e.g.
    /// server-side apply's typed conversion): 500, no reason, the error's text. kubectl prints "Error from server: …".</summary>
    public static ApiException Unclassified(string message)
    {
        var status = Status(500, string.Empty, message);
        status.Reason = null;
        return new ApiException(status);
    }
}
