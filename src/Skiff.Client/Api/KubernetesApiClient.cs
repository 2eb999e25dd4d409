using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Api.Json;

namespace Skiff.Client.Api;

/// <summary>
/// <see cref="IApiClient"/> over the official client's authenticated <see cref="HttpClient"/> (its TLS setup, client
/// certificates and token credentials), with raw REST paths so that one implementation serves every kind and every
/// list/watch option. Bodies are JSON through <see cref="KubernetesJson"/>, the client's own serializer settings.
/// Requests ask for HTTP/2, so that watches and calls share few connections.
/// </summary>
public sealed class KubernetesApiClient : IApiClient, IDisposable
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly Kubernetes _client;
    private readonly bool _ownsClient;
    private readonly string _baseUrl;

    /// <param name="client">The official client; its configuration decides server, TLS and credentials.</param>
    /// <param name="ownsClient">Whether disposing this disposes <paramref name="client"/>.</param>
    public KubernetesApiClient(Kubernetes client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _ownsClient = ownsClient;
        _baseUrl = client.BaseUri.ToString().TrimEnd('/');
    }

    /// <summary>The official client underneath, for what this seam does not cover (exec, logs, port-forward).</summary>
    public Kubernetes Kubernetes => _client;

    public async Task<ObjectList<T>> ListAsync<T>(ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(options);
        var resource = ApiResource.For<T>();
        var query = new Query()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("limit", options.Limit > 0 ? options.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) : null)
            .Add("continue", options.Continue);
        using var response = await SendAsync(HttpMethod.Get, resource.CollectionPath(options.Namespace) + query, null, stream: true, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var list = await JsonSerializer.DeserializeAsync<WireShapes.List<T>>(body, options.DropManagedFields ? ModelJson.WithoutManagedFields : ModelJson.Options, cancellationToken)
            ?? throw new ApiException(HttpStatusCode.InternalServerError, null, $"empty list of {resource}");
        return new ObjectList<T>(
            list.Items ?? [],
            list.Metadata?.ResourceVersion ?? string.Empty,
            string.IsNullOrEmpty(list.Metadata?.ContinueProperty) ? null : list.Metadata.ContinueProperty);
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(options);
        var resource = ApiResource.For<T>();
        var query = new Query()
            .Add("watch", "true")
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowBookmarks ? "true" : null)
            .Add("timeoutSeconds", options.TimeoutSeconds > 0 ? options.TimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        using var response = await SendAsync(HttpMethod.Get, resource.CollectionPath(options.Namespace) + query, null, stream: true, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new JsonLineReader(body);
        while (true)
        {
            ReadOnlyMemory<byte>? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                // The server or the connection went away mid-stream: the caller resumes from its last revision.
                throw new ApiException(0, null, $"watch of {resource} broke: {e.Message}", e);
            }

            if (line is not { } bytes)
            {
                yield break;
            }

            if (bytes.Length == 0)
            {
                continue;
            }

            yield return WatchEventDecoder.Decode<T>(bytes.Span, resource, options.DropManagedFields);
        }
    }

    public async Task<T?> GetAsync<T>(string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            return await CallAsync<T>(HttpMethod.Get, ApiResource.For<T>().ObjectPath(ns, name), null, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return null;
        }
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return CallAsync<T>(HttpMethod.Post, ApiResource.For<T>().CollectionPath(obj.Metadata?.NamespaceProperty), Json(WithTypeMeta(obj)), cancellationToken);
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return CallAsync<T>(HttpMethod.Put, ApiResource.For<T>().ObjectPath(obj.Metadata.NamespaceProperty, obj.Metadata.Name), Json(WithTypeMeta(obj)), cancellationToken);
    }

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return CallAsync<T>(HttpMethod.Put, ApiResource.For<T>().ObjectPath(obj.Metadata.NamespaceProperty, obj.Metadata.Name, "status"), Json(WithTypeMeta(obj)), cancellationToken);
    }

    public Task<T> PatchAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var (path, content) = PatchRequest<T>(ns, name, patch, subresource);
        return CallAsync<T>(HttpMethod.Patch, path, content, cancellationToken);
    }

    // The answers are read into a type that keeps metadata alone: the rest of the object is skipped, not decoded.
    public async Task<V1ObjectMeta> CreateForMetadataAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var path = ApiResource.For<T>().CollectionPath(obj.Metadata?.NamespaceProperty);
        return MetadataOf(await CallAsync<WireShapes.MetadataOnly>(HttpMethod.Post, path, Json(WithTypeMeta(obj)), cancellationToken, ModelJson.WithoutManagedFields), path);
    }

    public async Task<V1ObjectMeta> PatchForMetadataAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var (path, content) = PatchRequest<T>(ns, name, patch, subresource);
        return MetadataOf(await CallAsync<WireShapes.MetadataOnly>(HttpMethod.Patch, path, content, cancellationToken, ModelJson.WithoutManagedFields), path);
    }

    private static V1ObjectMeta MetadataOf(WireShapes.MetadataOnly answer, string path) =>
        answer.Metadata ?? throw new ApiException(HttpStatusCode.InternalServerError, null, $"{path}: an answer without metadata");

    private static (string Path, HttpContent Content) PatchRequest<T>(string? ns, string name, ApiPatch patch, string? subresource)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(patch);
        var content = new StringContent(patch.Body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(patch.ContentType);
        var path = ApiResource.For<T>().ObjectPath(ns, name, subresource);
        if (patch.Type == ApiPatchType.Apply)
        {
            path += "?fieldManager=skiff&force=true";
        }

        return (path, content);
    }

    public async Task DeleteAsync<T>(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var body = options is null ? null : Json(options);
        using var response = await SendAsync(HttpMethod.Delete, ApiResource.For<T>().ObjectPath(ns, name), body, stream: false, cancellationToken);
    }

    public Task<TResult> CreateSubresourceAsync<T, TBody, TResult>(string? ns, string name, string subresource, TBody body, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TBody : class
        where TResult : class =>
        CallAsync<TResult>(HttpMethod.Post, ApiResource.For<T>().ObjectPath(ns, name, subresource), Json(body), cancellationToken);

    public Task<T> UpdateSubresourceAsync<T>(T obj, string subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        return CallAsync<T>(HttpMethod.Put, ApiResource.For<T>().ObjectPath(obj.Metadata.NamespaceProperty, obj.Metadata.Name, subresource), Json(WithTypeMeta(obj)), cancellationToken);
    }

    public async Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken)
    {
        var resources = new List<DiscoveredResource>();
        var failed = new Dictionary<string, string>(StringComparer.Ordinal);
        var core = await CallAsync<V1APIVersions>(HttpMethod.Get, "/api", null, cancellationToken);
        var groupVersions = (core.Versions ?? []).Take(1).Select(v => (Group: string.Empty, GroupVersion: v)).ToList();
        var groups = await CallAsync<V1APIGroupList>(HttpMethod.Get, "/apis", null, cancellationToken);
        foreach (var group in groups.Groups ?? [])
        {
            var preferred = group.PreferredVersion?.GroupVersion ?? group.Versions?.FirstOrDefault()?.GroupVersion;
            if (preferred is not null)
            {
                groupVersions.Add((group.Name, preferred));
            }
        }

        foreach (var (group, groupVersion) in groupVersions)
        {
            try
            {
                var path = group.Length == 0 ? "/api/" + groupVersion : "/apis/" + groupVersion;
                var list = await CallAsync<V1APIResourceList>(HttpMethod.Get, path, null, cancellationToken);
                var version = groupVersion[(groupVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];
                foreach (var r in list.Resources ?? [])
                {
                    if (r.Name.Contains('/', StringComparison.Ordinal))
                    {
                        continue; // a subresource
                    }

                    resources.Add(new DiscoveredResource(new ApiResource(group, version, r.Name, r.Kind, r.Namespaced), [.. r.Verbs ?? []]));
                }
            }
            catch (ApiException e) when (!cancellationToken.IsCancellationRequested)
            {
                failed[groupVersion] = e.Message;
            }
        }

        return new DiscoveryResult(resources, failed);
    }

    public async Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        using var response = await SendAsync(HttpMethod.Get, resource.CollectionPath(ns), null, stream: true, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var list = await JsonSerializer.DeserializeAsync<WireShapes.List<WireShapes.MetadataOnly>>(body, ModelJson.Options, cancellationToken);
        return (list?.Items ?? []).Select(i => i.Metadata).OfType<V1ObjectMeta>().ToList();
    }

    public async Task DeleteCollectionAsync(ApiResource resource, string? ns, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        using var response = await SendAsync(HttpMethod.Delete, resource.CollectionPath(ns), options is null ? null : Json(options), stream: false, cancellationToken);
    }

    public async Task DeleteAsync(ApiResource resource, string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        using var response = await SendAsync(HttpMethod.Delete, resource.ObjectPath(ns, name), options is null ? null : Json(options), stream: false, cancellationToken);
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    // readOptions: ModelJson.WithoutManagedFields for an answer read for its metadata alone, whose managedFields (an
    // entry per manager, each parsed into a document of its own) no caller reads.
    private async Task<TResult> CallAsync<TResult>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, JsonSerializerOptions? readOptions = null)
        where TResult : class
    {
        using var response = await SendAsync(method, path, content, stream: false, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        return await JsonSerializer.DeserializeAsync<TResult>(body, readOptions ?? ModelJson.Options, cancellationToken)
            ?? throw new ApiException(HttpStatusCode.InternalServerError, null, $"{method} {path}: empty answer");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, bool stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, _baseUrl + path)
        {
            Content = content,
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        request.Headers.Accept.ParseAdd("application/json");
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken);
        }

        HttpResponseMessage response;
        try
        {
            response = await _client.HttpClient.SendAsync(
                request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(0, null, $"{method} {path}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ApiException(HttpStatusCode.GatewayTimeout, null, $"{method} {path}: timed out", e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            throw Error(response.StatusCode, text, $"{method} {path}");
        }
    }

    private static ApiException Error(HttpStatusCode code, string text, string what)
    {
        V1Status? status = null;
        try
        {
            status = JsonSerializer.Deserialize<V1Status>(text, ModelJson.Options);
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's or a plain-text error): keep the text as the message.
        }

        var message = string.IsNullOrEmpty(status?.Message) ? $"{what}: {(int)code} {text}".Trim() : status.Message;
        return new ApiException(code, status, message);
    }

    private static ByteArrayContent Json(object body)
    {
        var content = new ByteArrayContent(ModelJson.Serialize(body));
        content.Headers.ContentType = JsonType;
        return content;
    }

    /// <summary>The server wants apiVersion and kind on every body; models built in code often lack them.</summary>
    private static T WithTypeMeta<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        if (string.IsNullOrEmpty(obj.ApiVersion) || string.IsNullOrEmpty(obj.Kind))
        {
            var resource = ApiResource.For<T>();
            obj = ObjectCopy.Clone(obj);
            obj.ApiVersion = resource.ApiVersion;
            obj.Kind = resource.Kind;
        }

        return obj;
    }

    /// <summary>Builds a query string, skipping empty values.</summary>
    private sealed class Query
    {
        private readonly StringBuilder _text = new();

        public Query Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _text.Append(_text.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }

            return this;
        }

        public override string ToString() => _text.ToString();
    }
}
