using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The <c>Warning</c> headers of the request being served (upstream's warning recorder in the request context):
/// code deep in a write, such as an admission plugin, adds a warning that kubectl prints as <c>Warning: ...</c>.
/// The handler sets the response after authentication; outside requests adding does nothing.
/// </summary>
public static class RequestWarnings
{
    private static readonly AsyncLocal<HttpResponse?> CurrentResponse = new();

    /// <summary>Makes <paramref name="response"/> the one warnings go to for the rest of this async flow.</summary>
    public static void Set(HttpResponse? response) => CurrentResponse.Value = response;

    /// <summary>Adds a warning (RFC 7234 warn-value, code 299, agent "-"), each text once per response.</summary>
    public static void Add(string text)
    {
        if (CurrentResponse.Value is not { HasStarted: false } response)
        {
            return;
        }

        var header = $"299 - \"{text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        if (!response.Headers["Warning"].Contains(header))
        {
            response.Headers.Append("Warning", header);
        }
    }
}
