namespace Skiff.Apimachinery.Patching;

/// <summary>One entry of a Status' <c>details.causes</c>: reason (a CauseType), message and field path.</summary>
public sealed record PatchCause(string Reason, string Message, string? Field = null);

/// <summary>
/// A patch or apply that Kubernetes would refuse, carrying what the API server puts in its <c>metav1.Status</c>:
/// the HTTP code, the Status <c>reason</c>, the message and the causes. Nothing was changed when this is thrown.
/// </summary>
public sealed class PatchException : Exception
{
    public PatchException(int code, string reason, string message, IReadOnlyList<PatchCause>? causes = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Causes = causes ?? [];
    }

    /// <summary>The HTTP status code (400, 409, 415, 422, 500).</summary>
    public int Code { get; }

    /// <summary>The Status reason, e.g. <c>BadRequest</c>, <c>Invalid</c>, <c>Conflict</c>, <c>UnsupportedMediaType</c>.</summary>
    public string Reason { get; }

    /// <summary>The Status <c>details.causes</c>; empty when the real API sends none.</summary>
    public IReadOnlyList<PatchCause> Causes { get; }

    /// <summary>400 BadRequest with the parser's message (malformed patch body), as <c>errors.NewBadRequest</c>.</summary>
    public static PatchException BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>
    /// 422 as the API server's <c>NewGenericServerResponse(422, …)</c>: a fixed message, with the patch library's
    /// error as an <c>UnexpectedServerResponse</c> cause. kubectl prints "The request is invalid: …".
    /// </summary>
    public static PatchException Unprocessable(string detail) => new(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request",
        [new PatchCause("UnexpectedServerResponse", detail)]);

    /// <summary>415 for a patch Content-Type the resource cannot take.</summary>
    public static PatchException UnsupportedMediaType(string contentType, IEnumerable<string> accepted) => new(
        415,
        "UnsupportedMediaType",
        $"the body of the request was in an unknown format - accepted media types include: {string.Join(", ", accepted)}");
}
