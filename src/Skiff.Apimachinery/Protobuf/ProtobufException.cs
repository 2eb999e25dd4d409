namespace Skiff.Apimachinery.Protobuf;

/// <summary>
/// A protobuf body Skiff cannot turn into JSON: 415 UnsupportedMediaType for a kind that has no wire schema here
/// (the client may send JSON instead), 400 BadRequest for bytes that are not a valid <c>k8s\0</c> envelope.
/// </summary>
public sealed class ProtobufException : Exception
{
    public ProtobufException(int code, string reason, string message)
        : base(message)
    {
        Code = code;
        Reason = reason;
    }

    /// <summary>The HTTP status code for the API server's Status.</summary>
    public int Code { get; }

    /// <summary>The Status reason: <c>UnsupportedMediaType</c> or <c>BadRequest</c>.</summary>
    public string Reason { get; }

    internal static ProtobufException Unsupported(string apiVersion, string kind) => new(
        415,
        "UnsupportedMediaType",
        $"the body of the request was in an unknown format - {kind} in {apiVersion} is not supported in application/vnd.kubernetes.protobuf; send application/json");

    internal static ProtobufException Malformed(string detail) => new(400, "BadRequest", detail);
}
