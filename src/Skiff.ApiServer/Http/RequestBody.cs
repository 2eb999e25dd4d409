using Skiff.Api.Text;
using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Http;

/// <summary>Reads a request body (at most 3 MiB, like Kubernetes) and turns JSON or YAML into JSON bytes.</summary>
public static class RequestBody
{
    public const int MaxBytes = 3 * 1024 * 1024;

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw StatusErrors.TooLarge();
        }

        using var buffer = new MemoryStream(request.ContentLength is { } n ? (int)n : 4096);
        var chunk = ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxBytes)
                {
                    throw StatusErrors.TooLarge();
                }

                await buffer.WriteAsync(chunk.AsMemory(0, read), cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    /// <summary>The media type without parameters, lower-cased (empty when absent).</summary>
    public static string MediaType(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return string.Empty;
        }

        var semi = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semi < 0 ? contentType : contentType[..semi]).Trim().ToLowerInvariant();
    }

    /// <summary>The body as JSON bytes: JSON as is, YAML converted; anything else is 415.</summary>
    public static byte[] ToJson(byte[] body, string? contentType)
    {
        switch (MediaType(contentType))
        {
            case "" or "application/json" or "*/*":
                return body;
            case "application/yaml" or "application/x-yaml" or "text/yaml":
                try
                {
                    return YamlToJson.Convert(body);
                }
                catch (Exception ex) when (ex is YamlDotNet.Core.YamlException or FormatException or InvalidCastException)
                {
                    throw StatusErrors.BadRequest("the object provided is unrecognized: " + ex.Message);
                }

            case "application/vnd.kubernetes.protobuf":
                try
                {
                    return System.Text.Encoding.UTF8.GetBytes(Skiff.Apimachinery.Protobuf.KubeProtobuf.Decode(body).ToJsonString());
                }
                catch (Skiff.Apimachinery.Protobuf.ProtobufException ex)
                {
                    throw new ApiException(StatusErrors.Status(ex.Code, ex.Reason, ex.Message));
                }

            default:
                throw StatusErrors.UnsupportedMediaType(contentType ?? string.Empty);
        }
    }
}
