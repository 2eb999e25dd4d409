using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Api.Selection;
using Skiff.Client.Api;

namespace Skiff.Testing;

/// <summary>
/// An in-memory API server for unit tests of every client (client-go's fake clientset with its object tracker):
/// objects of any kind with one global revision, create/update/patch/delete with the API's status codes (404,
/// 409 AlreadyExists, 409 Conflict on a stale resourceVersion), label and field selectors, watches that replay from a
/// revision, 410 Gone below <see cref="Compact"/>, <see cref="EndWatches"/> to cut streams, injected failures and a
/// call log. Objects are stored as JSON, so callers never share instances with it.
/// </summary>
/// <remarks>It is not the API server: no defaulting, no validation. Strategic merge patches are applied as JSON merge
/// patches (lists replaced). Pods bound to a node are deleted gracefully (a deletionTimestamp first), as the real
/// registry does; a delete with grace period 0 removes them. A namespace is deleted as the namespace registry does it:
/// marked Terminating, removed once its spec.finalizers are emptied through <c>namespaces/finalize</c>.</remarks>
public sealed class FakeApiClient : IApiClient
{
    private readonly object _gate = new();
    private readonly SortedDictionary<string, Stored> _objects = new(StringComparer.Ordinal);
    private readonly List<Change> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly List<(string Verb, string Resource, ApiException Error)> _failures = [];
    private readonly List<ApiCall> _calls = [];
    private readonly Dictionary<ApiResource, string[]> _served = [];
    private readonly Dictionary<string, string> _brokenGroupVersions = new(StringComparer.Ordinal);
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly ApiResource DiscoveryResource = new(string.Empty, string.Empty, "discovery", string.Empty, false);
    private readonly HashSet<ApiResource> _objectResources = [];
    private readonly TimeProvider _time;
    private int _tokensIssued;
    private long _revision;
    private long _compacted;
    private int _uid;

    public FakeApiClient(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Every call so far, in order: a snapshot, safe to enumerate while informers and recorders call on in
    /// the background.</summary>
    public IReadOnlyList<ApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Forgets the calls so far.</summary>
    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
        }
    }

    /// <summary>The current revision.</summary>
    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Watches currently open.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Puts an object in as a create would (revision, creationTimestamp, and a uid unless the object has
    /// one: tests may name their objects' uids), without logging a call.</summary>
    public T Seed<T>(T obj)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            return Decode<T>(Insert(ApiResource.For<T>(), Encode(obj), keepUid: true));
        }
    }

    /// <summary>Removes an object without telling the watches, as if its DELETED event had been lost while a
    /// client's watch was down. With <see cref="Compact"/> and <see cref="EndWatches"/>, clients can only learn of
    /// it by listing again.</summary>
    public void Forget<T>(string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            _objects.Remove(Key(ApiResource.For<T>(), ns, name));
            ++_revision;
        }
    }

    /// <summary>As <see cref="Forget{T}"/>, <see cref="Compact"/> and <see cref="EndWatches"/> in one step, so that no
    /// concurrent write (a kubelet's status update, say) reaches a watch between them and carries it past the lost
    /// deletion: every client resumes below the compaction, gets 410 Gone and must list again.</summary>
    public void ForgetWhileWatchesAreDown<T>(string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            EndWatches();
            Forget<T>(ns, name);
            Compact();
        }
    }

    /// <summary>The stored object (a copy), or null.</summary>
    public T? Peek<T>(string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(ApiResource.For<T>(), ns, name), out var s) ? Decode<T>(s.Json) : null;
        }
    }

    /// <summary>Every stored object of a kind (copies).</summary>
    public IReadOnlyList<T> All<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            return _objects.Values.Where(s => s.Resource == resource).Select(s => Decode<T>(s.Json)).ToList();
        }
    }

    /// <summary>The next <paramref name="verb"/> (get, list, watch, create, update, patch, delete, or a subresource's
    /// verb such as <c>create</c> of <c>pods/binding</c> given as resource) on <paramref name="resource"/> (a plural,
    /// or <c>*</c>) throws <paramref name="error"/>.</summary>
    public void FailNext(string verb, string resource, ApiException error)
    {
        lock (_gate)
        {
            _failures.Add((verb, resource, error));
        }
    }

    /// <summary>Makes discovery list <paramref name="resource"/> with <paramref name="verbs"/> (all verbs when none
    /// given). Discovery also lists, with all verbs, every resource an object was ever stored for.</summary>
    public void Serve(ApiResource resource, params string[] verbs)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (_gate)
        {
            _served[resource] = verbs.Length == 0 ? AllVerbs : verbs;
        }
    }

    /// <summary>Discovery of <paramref name="groupVersion"/> (e.g. <c>metrics.k8s.io/v1beta1</c>) fails with
    /// <paramref name="message"/> from now on: its resources drop out of the answer, which names it as failed.</summary>
    public void BreakDiscovery(string groupVersion, string message)
    {
        lock (_gate)
        {
            _brokenGroupVersions[groupVersion] = message;
        }
    }

    /// <summary>Discovery of <paramref name="groupVersion"/> works again.</summary>
    public void RepairDiscovery(string groupVersion)
    {
        lock (_gate)
        {
            _brokenGroupVersions.Remove(groupVersion);
        }
    }

    /// <summary>Forgets history at and below the current revision: watches from before it get 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compacted = _revision;
            _history.Clear();
        }
    }

    /// <summary>Ends every open watch stream (as a server restart or timeout would).</summary>
    public void EndWatches()
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Channel.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    /// <summary>Every open watch stream stays open but hears nothing more (as a stream on a connection that died
    /// without a reset); watches opened later are served as usual.</summary>
    public void StallWatches()
    {
        lock (_gate)
        {
            _watchers.Clear();
        }
    }

    public Task<ObjectList<T>> ListAsync<T>(ListOptions options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(options);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("list", resource, options.Namespace, null, null);
            var labels = LabelSelector.Parse(options.LabelSelector);
            var fields = FieldSelector.Parse(options.FieldSelector);
            var prefix = Prefix(resource, options.Namespace);
            var start = options.Continue ?? string.Empty;
            var items = new List<T>();
            string? next = null;
            foreach (var (key, stored) in _objects)
            {
                if (!key.StartsWith(prefix, StringComparison.Ordinal) || string.CompareOrdinal(key, start) <= 0 || !Matches(stored.Json, labels, fields))
                {
                    continue;
                }

                if (options.Limit > 0 && items.Count == options.Limit)
                {
                    next = start; // more remain: resume after the last key returned
                    break;
                }

                items.Add(Decode<T>(stored.Json));
                start = key;
            }

            return Task.FromResult(new ObjectList<T>(items, _revision.ToString(CultureInfo.InvariantCulture), next));
        }
    }

    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(WatchOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(options);
        var resource = ApiResource.For<T>();
        Watcher watcher;
        lock (_gate)
        {
            Record("watch", resource, options.Namespace, null, null);
            var from = string.IsNullOrEmpty(options.ResourceVersion) ? _revision : long.Parse(options.ResourceVersion, CultureInfo.InvariantCulture);
            if (from < _compacted)
            {
                throw new ApiException(HttpStatusCode.Gone, new V1Status { Code = 410, Reason = "Expired", Message = $"too old resource version: {from} ({_compacted})" }, $"too old resource version: {from} ({_compacted})");
            }

            watcher = new Watcher(resource, Prefix(resource, options.Namespace), LabelSelector.Parse(options.LabelSelector), FieldSelector.Parse(options.FieldSelector));
            foreach (var change in _history.Where(c => c.Revision > from))
            {
                watcher.Offer(change);
            }

            _watchers.Add(watcher);
        }

        try
        {
            await foreach (var change in watcher.Channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return new WatchEvent<T>(change.Kind, Decode<T>(change.Json), change.Revision.ToString(CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    public Task<T?> GetAsync<T>(string? ns, string name, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("get", resource, ns, name, null);
            return Task.FromResult(_objects.TryGetValue(Key(resource, ns, name), out var s) ? Decode<T>(s.Json) : null);
        }
    }

    public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("create", resource, obj.Metadata?.NamespaceProperty, obj.Metadata?.Name, null);
            return Task.FromResult(Decode<T>(Insert(resource, Encode(obj))));
        }
    }

    public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("update", resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name, null);
            var next = Encode(obj);
            var stored = Existing(resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            CheckVersion(resource, obj, stored);
            if (stored.Json["status"] is { } status)
            {
                next["status"] = status.DeepClone(); // status is a subresource: a PUT of the object keeps it
            }
            else
            {
                next.Remove("status");
            }

            return Task.FromResult(Decode<T>(Replace(resource, stored, next)));
        }
    }

    public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("update", resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name, "status");
            var stored = Existing(resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            CheckVersion(resource, obj, stored);
            var next = (JsonObject)stored.Json.DeepClone();
            next["status"] = Encode(obj)["status"]?.DeepClone();
            return Task.FromResult(Decode<T>(Replace(resource, stored, next)));
        }
    }

    public Task<T> PatchAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(patch);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("patch", resource, ns, name, subresource);
            if (patch.Type is not (ApiPatchType.Merge or ApiPatchType.StrategicMerge))
            {
                throw Error(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the fake API applies merge patches only, not {patch.Type}");
            }

            var stored = Existing(resource, ns, name);
            var next = (JsonObject)stored.Json.DeepClone();
            var body = JsonNode.Parse(patch.Body) as JsonObject ?? throw Error(HttpStatusCode.BadRequest, "BadRequest", "the patch is not a JSON object");
            MergePatch(next, body);
            return Task.FromResult(Decode<T>(Replace(resource, stored, next)));
        }
    }

    public Task DeleteAsync<T>(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("delete", resource, ns, name, null);
            Delete(resource, ns, name, options);
            return Task.CompletedTask;
        }
    }

    public Task<TResult> CreateSubresourceAsync<T, TBody, TResult>(string? ns, string name, string subresource, TBody body, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TBody : class
        where TResult : class
    {
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("create", resource, ns, name, subresource);
            switch (resource.Plural, subresource)
            {
                case ("pods", "binding"):
                    var binding = body as V1Binding ?? throw Error(HttpStatusCode.BadRequest, "BadRequest", "a binding body is required");
                    var pod = Existing(resource, ns, name);
                    var spec = pod.Json["spec"] as JsonObject ?? [];
                    if (spec["nodeName"] is { } bound && !string.IsNullOrEmpty(bound.GetValue<string>()))
                    {
                        throw Error(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on pods/binding \"{name}\": pod {name} is already assigned to node \"{bound}\"");
                    }

                    var next = (JsonObject)pod.Json.DeepClone();
                    ((JsonObject)next["spec"]!)["nodeName"] = binding.Target.Name;
                    Replace(resource, pod, next);
                    return Task.FromResult(Success<TResult>());
                case ("pods", "eviction"):
                    Delete(resource, ns, name, (body as V1Eviction)?.DeleteOptions);
                    return Task.FromResult(Success<TResult>());
                case ("serviceaccounts", "token"):
                    // A TokenRequest: the account must exist; the token names it and counts the tokens issued.
                    Existing(resource, ns, name);
                    var request = body as Authenticationv1TokenRequest ?? throw Error(HttpStatusCode.BadRequest, "BadRequest", "a TokenRequest body is required");
                    var seconds = request.Spec?.ExpirationSeconds ?? 3600;
                    var issued = new Authenticationv1TokenRequest
                    {
                        ApiVersion = "authentication.k8s.io/v1",
                        Kind = "TokenRequest",
                        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                        Spec = request.Spec,
                        Status = new V1TokenRequestStatus
                        {
                            Token = $"token-{ns}-{name}-{++_tokensIssued}",
                            ExpirationTimestamp = _time.GetUtcNow().AddSeconds(seconds).UtcDateTime,
                        },
                    };
                    return Task.FromResult(issued as TResult ?? throw new InvalidOperationException("a TokenRequest answers with a TokenRequest"));
                default:
                    throw Error(HttpStatusCode.NotFound, "NotFound", $"the fake API does not serve {resource}/{subresource}");
            }
        }
    }

    public Task<T> UpdateSubresourceAsync<T>(T obj, string subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        var resource = ApiResource.For<T>();
        lock (_gate)
        {
            Record("update", resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name, subresource);
            // The field each served subresource writes, as the API server's: namespaces/finalize spec.finalizers
            // (a terminating namespace left without any finalizer goes), certificatesigningrequests/approval the
            // conditions of status.
            var (section, field) = (resource.Plural, subresource) switch
            {
                ("namespaces", "finalize") => ("spec", "finalizers"),
                ("certificatesigningrequests", "approval") => ("status", "conditions"),
                _ => throw Error(HttpStatusCode.NotFound, "NotFound", $"the fake API does not serve {resource}/{subresource}"),
            };

            var stored = Existing(resource, obj.Metadata.NamespaceProperty, obj.Metadata.Name);
            CheckVersion(resource, obj, stored);
            var next = (JsonObject)stored.Json.DeepClone();
            var part = next[section] as JsonObject ?? [];
            next[section] = part;
            part[field] = Encode(obj)[section]?[field]?.DeepClone();
            return Task.FromResult(Decode<T>(Replace(resource, stored, next)));
        }
    }

    public Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record("get", DiscoveryResource, null, null, null);
            var resources = new Dictionary<string, DiscoveredResource>(StringComparer.Ordinal);
            foreach (var resource in _objectResources)
            {
                resources[resource.ToString()] = new DiscoveredResource(resource, AllVerbs);
            }

            foreach (var (resource, verbs) in _served)
            {
                resources[resource.ToString()] = new DiscoveredResource(resource, verbs);
            }

            var found = resources.Values.Where(r => !_brokenGroupVersions.ContainsKey(r.Resource.ApiVersion)).OrderBy(r => r.Resource.ToString(), StringComparer.Ordinal).ToList();
            return Task.FromResult(new DiscoveryResult(found, new Dictionary<string, string>(_brokenGroupVersions, StringComparer.Ordinal)));
        }
    }

    public Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (_gate)
        {
            Record("list", resource, ns, null, null);
            RequireVerb(resource, "list");
            var prefix = Prefix(resource, ns);
            IReadOnlyList<V1ObjectMeta> items = _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
                .Select(o => Meta(o.Value.Json).Deserialize<V1ObjectMeta>(ModelJson.Options)!)
                .ToList();
            return Task.FromResult(items);
        }
    }

    public Task DeleteCollectionAsync(ApiResource resource, string? ns, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (_gate)
        {
            Record("deletecollection", resource, ns, null, null);
            RequireVerb(resource, "deletecollection");
            var prefix = Prefix(resource, ns);
            foreach (var (_, stored) in _objects.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList())
            {
                var meta = Meta(stored.Json);
                Delete(stored.Resource, meta["namespace"]?.GetValue<string>(), meta["name"]!.GetValue<string>(), options);
            }

            return Task.CompletedTask;
        }
    }

    public Task DeleteAsync(ApiResource resource, string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (_gate)
        {
            Record("delete", resource, ns, name, null);
            RequireVerb(resource, "delete");
            Delete(resource, ns, name, options);
            return Task.CompletedTask;
        }
    }

    private void RequireVerb(ApiResource resource, string verb)
    {
        if (_served.TryGetValue(resource, out var verbs) && !verbs.Contains(verb, StringComparer.Ordinal))
        {
            throw Error(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({verb} {resource})");
        }
    }

    private static TResult Success<TResult>()
        where TResult : class =>
        JsonSerializer.Deserialize<TResult>("""{"kind":"Status","apiVersion":"v1","status":"Success","code":201}""", ModelJson.Options)!;

    private void Record(string verb, ApiResource resource, string? ns, string? name, string? subresource)
    {
        _calls.Add(new ApiCall(verb, resource.Plural, ns, name, subresource));
        var plural = subresource is null ? resource.Plural : $"{resource.Plural}/{subresource}";
        var at = _failures.FindIndex(f => f.Verb == verb && (f.Resource == plural || f.Resource == "*"));
        if (at >= 0)
        {
            var error = _failures[at].Error;
            _failures.RemoveAt(at);
            throw error;
        }
    }

    private JsonObject Insert(ApiResource resource, JsonObject json, bool keepUid = false)
    {
        var meta = Meta(json);
        var ns = meta["namespace"]?.GetValue<string>();
        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && meta["generateName"]?.GetValue<string>() is { Length: > 0 } generate)
        {
            name = generate + Guid.NewGuid().ToString("N")[..5];
            meta["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            throw Error(HttpStatusCode.UnprocessableEntity, "Invalid", $"{resource.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required");
        }

        if (resource.Namespaced && string.IsNullOrEmpty(ns))
        {
            throw Error(HttpStatusCode.UnprocessableEntity, "Invalid", "metadata.namespace: Required value");
        }

        var key = Key(resource, ns, name);
        if (_objects.ContainsKey(key))
        {
            throw Error(HttpStatusCode.Conflict, "AlreadyExists", $"{resource} \"{name}\" already exists");
        }

        if (!keepUid || meta["uid"] is null)
        {
            meta["uid"] = $"uid-{++_uid}";
        }

        meta["creationTimestamp"] = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        meta["generation"] ??= 1L;
        json["apiVersion"] = resource.ApiVersion;
        json["kind"] = resource.Kind;
        return Commit(resource, key, json, WatchEventKind.Added);
    }

    private JsonObject Replace(ApiResource resource, Stored stored, JsonObject next)
    {
        var meta = Meta(next);
        var old = Meta(stored.Json);
        meta["uid"] = old["uid"]?.DeepClone();
        meta["creationTimestamp"] = old["creationTimestamp"]?.DeepClone();
        meta["deletionTimestamp"] ??= old["deletionTimestamp"]?.DeepClone();
        if (!JsonNode.DeepEquals(next["spec"], stored.Json["spec"]))
        {
            // The stored number may be an int or a long node (seeded vs. bumped): read it from its JSON text.
            meta["generation"] = long.Parse(old["generation"]?.ToJsonString() ?? "0", CultureInfo.InvariantCulture) + 1;
        }
        else
        {
            meta["generation"] = old["generation"]?.DeepClone();
        }

        next["apiVersion"] = resource.ApiVersion;
        next["kind"] = resource.Kind;
        var key = Key(resource, old["namespace"]?.GetValue<string>(), old["name"]!.GetValue<string>());

        // A terminating object whose last finalizer went is removed (the registry's rule).
        if (meta["deletionTimestamp"] is not null && (meta["finalizers"] as JsonArray ?? []).Count == 0 && resource.Plural != "pods" && !HasSpecFinalizers(resource, next))
        {
            return Remove(resource, key, next);
        }

        return Commit(resource, key, next, WatchEventKind.Modified);
    }

    private void Delete(ApiResource resource, string? ns, string name, V1DeleteOptions? options)
    {
        var stored = Existing(resource, ns, name);
        var meta = Meta(stored.Json);
        if (options?.Preconditions?.Uid is { } uid && uid != meta["uid"]?.GetValue<string>())
        {
            throw Error(HttpStatusCode.Conflict, "Conflict", $"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta["uid"]}");
        }

        var key = Key(resource, ns, name);
        if (resource.Group.Length == 0 && resource.Plural == "namespaces")
        {
            // The namespace registry's rule: the first delete marks it Terminating; it goes once spec.finalizers
            // (emptied through namespaces/finalize) and metadata.finalizers are empty.
            if (meta["deletionTimestamp"] is null)
            {
                var terminating = (JsonObject)stored.Json.DeepClone();
                Meta(terminating)["deletionTimestamp"] = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                var status = terminating["status"] as JsonObject ?? [];
                status["phase"] = "Terminating";
                terminating["status"] = status;
                Commit(resource, key, terminating, WatchEventKind.Modified);
            }
            else if (!HasSpecFinalizers(resource, stored.Json) && (meta["finalizers"] as JsonArray ?? []).Count == 0)
            {
                Remove(resource, key, stored.Json);
            }

            return;
        }

        var graceful = resource.Plural == "pods"
            && stored.Json["spec"]?["nodeName"] is { } node && !string.IsNullOrEmpty(node.GetValue<string>())
            && (options?.GracePeriodSeconds ?? 30) > 0;
        var finalizers = (meta["finalizers"] as JsonArray ?? []).Count;
        if (graceful || finalizers > 0)
        {
            if (meta["deletionTimestamp"] is not null)
            {
                return;
            }

            var next = (JsonObject)stored.Json.DeepClone();
            var nextMeta = Meta(next);
            nextMeta["deletionTimestamp"] = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            nextMeta["deletionGracePeriodSeconds"] = graceful ? options?.GracePeriodSeconds ?? 30 : 0;
            Commit(resource, key, next, WatchEventKind.Modified);
            return;
        }

        Remove(resource, key, stored.Json);
    }

    private static bool HasSpecFinalizers(ApiResource resource, JsonObject json) =>
        resource.Group.Length == 0 && resource.Plural == "namespaces" && (json["spec"]?["finalizers"] as JsonArray ?? []).Count > 0;

    private JsonObject Remove(ApiResource resource, string key, JsonObject last)
    {
        _objects.Remove(key);
        var json = (JsonObject)last.DeepClone();
        Meta(json)["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
        Publish(new Change(resource, key, WatchEventKind.Deleted, json, _revision));
        return json;
    }

    private JsonObject Commit(ApiResource resource, string key, JsonObject json, WatchEventKind kind)
    {
        Meta(json)["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
        _objectResources.Add(resource);
        _objects.TryGetValue(key, out var previous);
        _objects[key] = new Stored(resource, json);
        Publish(new Change(resource, key, kind, (JsonObject)json.DeepClone(), _revision, previous?.Json));
        return json;
    }

    private void Publish(Change change)
    {
        _history.Add(change);
        foreach (var w in _watchers)
        {
            w.Offer(change);
        }
    }

    private Stored Existing(ApiResource resource, string? ns, string name) =>
        _objects.TryGetValue(Key(resource, ns, name), out var stored)
            ? stored
            : throw Error(HttpStatusCode.NotFound, "NotFound", $"{resource} \"{name}\" not found");

    private static void CheckVersion<T>(ApiResource resource, T obj, Stored stored)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var version = obj.Metadata?.ResourceVersion;
        if (!string.IsNullOrEmpty(version) && version != Meta(stored.Json)["resourceVersion"]?.GetValue<string>())
        {
            throw Error(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {resource} \"{obj.Metadata!.Name}\": the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private static bool Matches(JsonObject json, LabelSelector labels, FieldSelector fields)
    {
        if (!labels.IsEverything)
        {
            var map = (Meta(json)["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty);
            if (!labels.Matches(map))
            {
                return false;
            }
        }

        if (fields.IsEverything)
        {
            return true;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in fields.Fields)
        {
            JsonNode? node = json;
            foreach (var part in field.Split('.'))
            {
                node = (node as JsonObject)?[part];
            }

            values[field] = node is JsonValue v ? v.ToString() : string.Empty;
        }

        return fields.Matches(values);
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                target.Remove(name);
            }
            else if (value is JsonObject child && target[name] is JsonObject existing)
            {
                MergePatch(existing, child);
            }
            else
            {
                target[name] = value.DeepClone();
            }
        }
    }

    private static JsonObject Meta(JsonObject json)
    {
        if (json["metadata"] is not JsonObject meta)
        {
            meta = [];
            json["metadata"] = meta;
        }

        return meta;
    }

    private static string Prefix(ApiResource resource, string? ns) =>
        resource.Namespaced && !string.IsNullOrEmpty(ns) ? $"{resource}|{ns}/" : $"{resource}|";

    private static string Key(ApiResource resource, string? ns, string name) =>
        resource.Namespaced ? $"{resource}|{ns}/{name}" : $"{resource}|{name}";

    private static JsonObject Encode<T>(T obj)
        where T : class =>
        JsonNode.Parse(ModelJson.Serialize(obj)) as JsonObject ?? throw new ArgumentException("not an object", nameof(obj));

    private static T Decode<T>(JsonObject json) => json.Deserialize<T>(ModelJson.Options)!;

    private static ApiException Error(HttpStatusCode code, string reason, string message) =>
        new(code, new V1Status { Code = (int)code, Reason = reason, Message = message, Status = "Failure" }, message);

    private sealed record Stored(ApiResource Resource, JsonObject Json);

    private sealed record Change(ApiResource Resource, string Key, WatchEventKind Kind, JsonObject Json, long Revision, JsonObject? Previous = null);

    private sealed class Watcher(ApiResource resource, string prefix, LabelSelector labels, FieldSelector fields)
    {
        public Channel<Change> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<Change>();

        /// <summary>Queues the change as this watch sees it: an object that starts or stops matching the selectors
        /// arrives as ADDED or DELETED, as the API server's filtered watches send it.</summary>
        public void Offer(Change change)
        {
            if (change.Resource != resource || !change.Key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }

            var now = Matches(change.Json, labels, fields);
            var before = change.Previous is not null && Matches(change.Previous, labels, fields);
            var kind = (change.Kind, before, now) switch
            {
                (WatchEventKind.Modified, true, true) => WatchEventKind.Modified,
                (WatchEventKind.Modified, false, true) => WatchEventKind.Added,
                (WatchEventKind.Modified, true, false) => WatchEventKind.Deleted,
                (WatchEventKind.Modified, false, false) => (WatchEventKind?)null,
                (_, _, true) => change.Kind,
                _ => null,
            };
            if (kind is { } k)
            {
                Channel.Writer.TryWrite(change with { Kind = k });
            }
        }
    }
}
