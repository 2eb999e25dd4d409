using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace Skiff.Cli.Api;

/// <summary>
/// Raw HTTP to the API server through the official client's configured <see cref="HttpClient"/> (TLS, client
/// certificates, bearer credentials), for resources found by discovery rather than compiled-in types.
/// </summary>
public sealed class ApiClient : IDisposable
{
    public const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    public const string JsonAccept = "application/json";

    private readonly Kubernetes _client;

    public ApiClient(KubernetesClientConfiguration configuration)
    {
        _client = new Kubernetes(configuration);
        Kubernetes = _client;
    }

    /// <summary>The official client, for typed calls and its WebSocket builder.</summary>
    public Kubernetes Kubernetes { get; }

    public Uri BaseUri => _client.BaseUri;

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string pathAndQuery, string accept, HttpContent? body, bool streaming, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUri, pathAndQuery)) { Content = body };
        request.Headers.Accept.ParseAdd(accept);
        request.Headers.UserAgent.ParseAdd("skiff-kubectl/1.0");
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        return await _client.HttpClient.SendAsync(request, streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    /// <summary>Sends a request and returns the JSON body; a non-2xx answer becomes an <see cref="ApiException"/>.</summary>
    public async Task<JsonObject> RequestJsonAsync(HttpMethod method, string pathAndQuery, string accept, JsonNode? body, string contentType, string verb, string resourceDescription, CancellationToken cancellationToken)
    {
        using var content = body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8);
        if (content is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await SendAsync(method, pathAndQuery, accept, content, streaming: false, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ApiException.FromResponse(response.StatusCode, text, verb, resourceDescription);
        }

        return JsonNode.Parse(text) as JsonObject ?? throw new CliException($"unexpected response from {pathAndQuery}");
    }

    public Task<JsonObject> GetAsync(string pathAndQuery, string accept, string resourceDescription, CancellationToken cancellationToken) =>
        RequestJsonAsync(HttpMethod.Get, pathAndQuery, accept, null, JsonAccept, "get", resourceDescription, cancellationToken);

    /// <summary>Streams watch events (one JSON object per line) until the server ends the stream.</summary>
    public async IAsyncEnumerable<JsonObject> WatchAsync(string pathAndQuery, string accept, string resourceDescription, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, pathAndQuery, accept, null, streaming: true, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw ApiException.FromResponse(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), "watch", resourceDescription);
        }

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0 && JsonNode.Parse(line) is JsonObject evt)
            {
                yield return evt;
            }
        }
    }

    public void Dispose() => _client.Dispose();
}
