using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Watch;
using Skiff.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Create, read, update and delete for every resource of the table, with the rules Kubernetes' generic registry
/// applies around the per-kind strategy. Reads come from the watch cache (after it caught up with the store, so they
/// are consistent); writes go to storage with compare-and-swap. Nothing is written when a request fails.
/// </summary>
public sealed class GenericRegistry
{
    private static readonly TimeSpan FreshnessTimeout = TimeSpan.FromSeconds(3);
    private static readonly HashSet<string> ImmortalNamespaces = new(StringComparer.Ordinal) { "default", "kube-system", "kube-public" };
    private readonly IStore _store;
    private readonly WatchCacheHub _hub;
    private readonly TimeProvider _time;
    private readonly ResourceDefinition? _namespaces;
    private readonly ConcurrentDictionary<ResourceDefinition, HashSet<string>?> _selectableFields = new();
    private readonly ConcurrentDictionary<ResourceDefinition, IAllocationHook> _allocations = new();
    private readonly ConcurrentDictionary<ResourceDefinition, IWriteGuard> _guards = new();

    public GenericRegistry(IStore store, WatchCacheHub hub, ResourceIndex index, TimeProvider time)
    {
        _store = store;
        _hub = hub;
        _time = time;
        Index = index;
        _namespaces = index.FindKind(string.Empty, "Namespace");
    }

    public ResourceIndex Index { get; }

    /// <summary>The admission plugins run around writes made for a user's request (none until the server sets them).</summary>
    public AdmissionChain? Admission { get; set; }

    public WatchCacheHub Hub => _hub;

    /// <summary>Makes writes of <paramref name="def"/> take and release what <paramref name="hook"/> allocates.</summary>
    public void AddAllocationHook(ResourceDefinition def, IAllocationHook hook) => _allocations[def] = hook;

    /// <summary>Makes users' creates and updates of <paramref name="def"/> pass <paramref name="guard"/>.</summary>
    public void AddWriteGuard(ResourceDefinition def, IWriteGuard guard) => _guards[def] = guard;

    private void Guard(ResourceDefinition def, AdmissionAttributes? attributes)
    {
        if (attributes is not null && _guards.TryGetValue(def, out var guard))
        {
            guard.Check(attributes);
        }
    }

    private IAllocationHook? AllocationHook(ResourceDefinition def) => _allocations.TryGetValue(def, out var hook) ? hook : null;

    /// <summary>Gives back what a deleted object held; a failure leaves a leak the allocator's repair loop reclaims,
    /// never a failed delete.</summary>
    private async Task ReleaseAllocationsAsync(ResourceDefinition def, IKubernetesObject<V1ObjectMeta> deleted)
    {
        if (AllocationHook(def) is not { } hook)
        {
            return;
        }

        try
        {
            await hook.ReleaseAsync(deleted, CancellationToken.None);
        }
        catch (Exception e) when (e is StorageException or InvalidOperationException)
        {
        }
    }

    public DateTimeOffset Now => DateTimeOffset.FromUnixTimeSeconds(_time.GetUtcNow().ToUnixTimeSeconds());

    // ---------------------------------------------------------------- reads

    public async Task<CachedObject> GetAsync(ResourceDefinition def, string? ns, string name, string? resourceVersion, CancellationToken ct)
    {
        var key = def.StorageKey(ns, name);
        if (resourceVersion != "0" && !await _hub.WaitUntilFreshAsync(FreshnessTimeout, ct))
        {
            var kv = await _store.GetAsync(key, ct) ?? throw StatusErrors.NotFound(StatusErrors.QualifiedResource(def), name);
            return ObjectDecoder.Decode(def, key, kv.Value.Span, kv.ModRevision);
        }

        var cached = _hub.For(def).Get(key) ?? throw StatusErrors.NotFound(StatusErrors.QualifiedResource(def), name);
        return ObjectDecoder.Present(def, cached);
    }

    public async Task<ListPage> ListAsync(ResourceDefinition def, string? ns, ListRequest request, CancellationToken ct)
    {
        ValidateFieldSelector(def, request);
        var matches = Matcher(def, ns, request);
        var prefix = def.StoragePrefixFor(ns);
        long? rv = ParseResourceVersion(request.ResourceVersion);

        var exact = request.ResourceVersionMatch == "Exact";
        if (request.ResourceVersionMatch is not (null or "" or "Exact" or "NotOlderThan"))
        {
            throw StatusErrors.BadRequest($"resourceVersionMatch: Unsupported value: \"{request.ResourceVersionMatch}\"");
        }

        // Pages and exact revisions are served by storage (its continue tokens are snapshot-consistent).
        if (!string.IsNullOrEmpty(request.Continue) || exact || (request.Limit > 0 && rv is null))
        {
            return await ListFromStoreAsync(def, prefix, request, exact ? rv : null, matches, ct);
        }

        if (rv is > 0)
        {
            if (!await _hub.WaitForRevisionAsync(rv.Value, FreshnessTimeout, ct))
            {
                throw StatusErrors.Timeout($"Too large resource version: {rv}, current: {_hub.Revision}");
            }
        }
        else if (rv is null && !await _hub.WaitUntilFreshAsync(FreshnessTimeout, ct))
        {
            return await ListFromStoreAsync(def, prefix, request, null, matches, ct);
        }

        var revision = _hub.Revision;
        var items = _hub.For(def).Snapshot(prefix, matches).ConvertAll(o => ObjectDecoder.Present(def, o));
        return new ListPage(items, revision, null, null);
    }

    private async Task<ListPage> ListFromStoreAsync(
        ResourceDefinition def, string prefix, ListRequest request, long? revision, Func<CachedObject, bool> matches, CancellationToken ct)
    {
        ListResult page;
        try
        {
            page = await _store.ListAsync(prefix, new ListOptions(revision, request.Limit, string.IsNullOrEmpty(request.Continue) ? null : request.Continue), ct);
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Compacted && !string.IsNullOrEmpty(request.Continue))
        {
            throw StatusErrors.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.InvalidArgument && !string.IsNullOrEmpty(request.Continue))
        {
            throw StatusErrors.BadRequest("continue key is not valid: " + e.Message);
        }
        catch (StorageException e)
        {
            throw StorageErrors.ToApi(e, def, string.Empty);
        }

        var items = new List<CachedObject>(page.Items.Count);
        foreach (var kv in page.Items)
        {
            var obj = ObjectDecoder.Decode(def, kv.Key, kv.Value.Span, kv.ModRevision);
            if (matches(obj))
            {
                items.Add(obj);
            }
        }

        return new ListPage(items, page.Revision, page.Continue, page.Continue is null ? null : page.RemainingCount);
    }

    /// <summary>The predicate of a list or watch: namespace, label selector and field selector.</summary>
    public Func<CachedObject, bool> Matcher(ResourceDefinition def, string? ns, ListRequest request)
    {
        ValidateFieldSelector(def, request);
        var labels = request.Labels;
        var fields = request.Fields;
        var nsFilter = def.Namespaced && !string.IsNullOrEmpty(ns) ? ns : null;
        return obj =>
            (nsFilter is null || obj.Namespace == nsFilter) &&
            (labels.IsEverything || labels.Matches(obj.Labels)) &&
            (fields.IsEverything || fields.Matches(obj.Fields));
    }

    private void ValidateFieldSelector(ResourceDefinition def, ListRequest request)
    {
        if (request.Fields.IsEverything)
        {
            return;
        }

        var known = _selectableFields.GetOrAdd(def, KnownFields);
        foreach (var field in request.Fields.Fields)
        {
            if (known is not null && !known.Contains(field))
            {
                throw StatusErrors.BadRequest($"field label not supported: {field}");
            }
        }
    }

    private static HashSet<string>? KnownFields(ResourceDefinition def)
    {
        try
        {
            var blank = (IKubernetesObject<V1ObjectMeta>)Activator.CreateInstance(def.ModelType)!;
            blank.Metadata = new V1ObjectMeta { Name = string.Empty, NamespaceProperty = string.Empty };
            return def.Strategy.SelectableFields(blank).Keys.ToHashSet(StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or ArgumentException or MissingMethodException)
        {
            return null; // the strategy needs a full object to name its fields; accept any field then
        }
    }

    public static long? ParseResourceVersion(string? rv)
    {
        if (string.IsNullOrEmpty(rv))
        {
            return null;
        }

        if (!long.TryParse(rv, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw StatusErrors.BadRequest($"invalid resource version: {rv}");
        }

        return value;
    }

    // ---------------------------------------------------------------- create

    /// <summary>Creates an object. With <paramref name="fieldManager"/> the creator is recorded in managedFields
    /// (an Update entry owning what it set, server defaults included, as Kubernetes' decode-time defaulting gives).</summary>
    public async Task<CachedObject> CreateAsync(
        ResourceDefinition def, string? ns, IKubernetesObject<V1ObjectMeta> obj, bool dryRun, CancellationToken ct, string? fieldManager = null)
    {
        var meta = obj.Metadata;
        if (def.Namespaced)
        {
            if (!string.IsNullOrEmpty(meta.NamespaceProperty) && meta.NamespaceProperty != ns)
            {
                throw StatusErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta.NamespaceProperty = ns;
        }
        else
        {
            meta.NamespaceProperty = null;
        }

        var generated = string.IsNullOrEmpty(meta.Name) && !string.IsNullOrEmpty(meta.GenerateName);
        var admission = Admission?.For(AdmissionOperation.Create, def, ns, meta.Name, obj, null, dryRun);
        Admission?.Admit(admission);
        for (var attempt = 0; ; attempt++)
        {
            if (generated)
            {
                meta.Name = meta.GenerateName + RandomSuffix();
            }

            meta.Uid = Guid.NewGuid().ToString();
            meta.CreationTimestamp = Now.UtcDateTime;
            meta.ResourceVersion = null;
            meta.DeletionTimestamp = null;
            meta.DeletionGracePeriodSeconds = null;
            meta.SelfLink = null;
            def.Strategy.PrepareForCreate(obj, Now);
            if (fieldManager is not null)
            {
                obj = FieldOwnership.RecordUpdate(def, null, obj, fieldManager, string.Empty, Now);
                meta = obj.Metadata;
            }

            var errors = def.Strategy.ValidateCreate(obj);
            if (errors.Count > 0)
            {
                throw StatusErrors.Invalid(def.Kind, def.Group, meta.Name ?? string.Empty, errors);
            }

            var validated = admission is null ? null : admission with { Name = meta.Name ?? string.Empty, Object = obj };
            Guard(def, validated);
            if (Admission is not null)
            {
                await Admission.ValidateAsync(validated, ct);
            }

            if (def.Namespaced)
            {
                await RequireLiveNamespaceAsync(def, ns!, meta.Name!, ct);
            }

            var key = def.StorageKey(ns, meta.Name!);
            if (dryRun)
            {
                // As the real dry-run storage: an existing object is still a conflict, nothing is written, and the
                // answer is a copy of the object that would have been created: it has no resourceVersion yet.
                if (await _store.GetAsync(key, ct) is not null)
                {
                    throw StatusErrors.AlreadyExists(StatusErrors.QualifiedResource(def), meta.Name!);
                }

                if (AllocationHook(def) is { } checker)
                {
                    await checker.ReserveAsync(obj, null, dryRun: true, ct);
                }

                return ObjectCodec.NotStored(def, key, obj);
            }

            var reservation = AllocationHook(def) is { } hook ? await hook.ReserveAsync(obj, null, dryRun: false, ct) : null;
            try
            {
                var stored = ObjectCodec.ToStorage(def, obj);
                var kv = await _store.CreateAsync(key, stored, ct);
                reservation = null;
                return HandOver(ObjectCodec.Served(def, key, obj, stored, kv.ModRevision));
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.KeyExists && generated && attempt < 5)
            {
                // A generated name collided: draw another suffix.
            }
            catch (StorageException e)
            {
                throw StorageErrors.ToApi(e, def, meta.Name!);
            }
            finally
            {
                if (reservation is not null)
                {
                    await reservation.RevertAsync(CancellationToken.None);
                }
            }
        }
    }

    private async Task RequireLiveNamespaceAsync(ResourceDefinition def, string ns, string name, CancellationToken ct)
    {
        if (_namespaces is null)
        {
            return;
        }

        var key = _namespaces.StorageKey(null, ns);
        var terminating = _hub.For(_namespaces).Get(key)?.BeingDeleted;
        if (terminating is null)
        {
            var kv = await _store.GetAsync(key, ct) ?? throw StatusErrors.NotFound("namespaces", ns);
            terminating = ModelJson.Deserialize(kv.Value.Span, _namespaces.ModelType).Metadata.DeletionTimestamp is not null;
        }

        if (terminating.Value)
        {
            // With upstream's NamespaceTerminating cause: controllers and event recorders tell this refusal apart.
            var refused = StatusErrors.Forbidden(StatusErrors.QualifiedResource(def), name,
                $"unable to create new content in namespace {ns} because it is being terminated");
            refused.Status.Details.Causes =
                [new V1StatusCause { Reason = "NamespaceTerminating", Message = $"namespace {ns} is being terminated", Field = "metadata.namespace" }];
            throw refused;
        }
    }

    // The watch cache takes what was just written as it is, instead of decoding the write's storage event again.
    private CachedObject HandOver(CachedObject written)
    {
        _hub.Written(written);
        return written;
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        Span<char> chars = stackalloc char[5];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }

        return new string(chars);
    }

    // ---------------------------------------------------------------- update

    /// <summary>
    /// The read-modify-write loop every update goes through. <paramref name="mutate"/> gets a private copy of the
    /// current object and returns the new object (or throws an <see cref="ApiException"/>). When the client pinned a
    /// resourceVersion (<paramref name="retryOnConflict"/> false) a concurrent change is a 409; otherwise it retries.
    /// </summary>
    public Task<CachedObject> GuaranteedUpdateAsync(
        ResourceDefinition def, string? ns, string name, bool retryOnConflict, bool dryRun,
        Func<IKubernetesObject<V1ObjectMeta>, long, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mutate);
        return GuaranteedUpdateAsync(def, ns, name, retryOnConflict, dryRun, (current, _, revision) => mutate(current, revision), ct);
    }

    // The JSON of the object as read: its stored bytes with the revision written in, or (for a resource stored in
    // another shape) the decoded object encoded again, which is why a caller asks before changing the object.
    private static byte[] JsonAsRead(ResourceDefinition def, KeyValue read, IKubernetesObject<V1ObjectMeta> asRead) =>
        def.StorageConversion is null && ResourceVersionStamp.TryStamp(read.Value.Span, read.ModRevision, out var stamped)
            ? stamped
            : ModelJson.Serialize(asRead);

    /// <summary>As the other overload; <paramref name="mutate"/> is also given the current object's JSON as read (with
    /// its resourceVersion), for a patch to apply to: the stored bytes with the revision written in, which the current
    /// object was decoded from, rather than the object encoded again (a fifth of a status patch's encoding work). Ask
    /// for it before changing the object.</summary>
    public async Task<CachedObject> GuaranteedUpdateAsync(
        ResourceDefinition def, string? ns, string name, bool retryOnConflict, bool dryRun,
        Func<IKubernetesObject<V1ObjectMeta>, Func<byte[]>, long, IKubernetesObject<V1ObjectMeta>> mutate, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(mutate);
        var key = def.StorageKey(ns, name);
        for (var attempt = 0; ; attempt++)
        {
            var kv = await _store.GetAsync(key, ct) ?? throw StatusErrors.NotFound(StatusErrors.QualifiedResource(def), name);
            var current = ObjectDecoder.FromStorage(def, kv.Value.Span);
            current.Metadata.ResourceVersion = kv.ModRevision.ToString(CultureInfo.InvariantCulture);
            // Made only when asked for (by a patch): a copy of the whole object that bindings, PUTs and Lease renewals
            // never read.
            byte[]? currentJson = null;
            var asRead = current;
            var updated = mutate(current, () => currentJson ??= JsonAsRead(def, kv, asRead), kv.ModRevision);
            var finalDelete = updated.Metadata.DeletionTimestamp is not null && (updated.Metadata.Finalizers is null || updated.Metadata.Finalizers.Count == 0)
                && updated.Metadata.DeletionGracePeriodSeconds is null or 0 && !def.Strategy.HoldsDeletion(updated);
            var old = AllocationHook(def) is not null && !finalDelete ? ObjectDecoder.FromStorage(def, kv.Value.Span) : null;
            var reservation = old is not null ? await AllocationHook(def)!.ReserveAsync(updated, old, dryRun, ct) : null;
            try
            {
                var bytes = ObjectCodec.ToStorage(def, updated);
                if ((!kv.Stale && bytes.AsSpan().SequenceEqual(kv.Value.Span)) || dryRun)
                {
                    // A no-op update writes nothing and keeps the resourceVersion, as Kubernetes does (unless the
                    // stored value was read with an old encryption key: then it is written again under the current one).
                    return ObjectCodec.Served(def, key, updated, kv.ModRevision);
                }

                if (finalDelete)
                {
                    // The last finalizer went away on an object being deleted: it is gone now.
                    var deleted = await _store.DeleteAsync(key, kv.ModRevision, ct);
                    await ReleaseAllocationsAsync(def, updated);
                    return ObjectCodec.Served(def, key, updated, deleted.ModRevision);
                }

                var written = await _store.UpdateAsync(key, bytes, kv.ModRevision, ct);
                if (reservation is not null)
                {
                    var stored = reservation;
                    reservation = null;
                    await stored.CommitAsync(CancellationToken.None);
                }

                return HandOver(ObjectCodec.Served(def, key, updated, bytes, written.ModRevision));
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.Conflict && retryOnConflict && attempt < 16)
            {
            }
            catch (StorageException e)
            {
                throw StorageErrors.ToApi(e, def, name);
            }
            finally
            {
                if (reservation is not null)
                {
                    await reservation.RevertAsync(CancellationToken.None);
                }
            }
        }
    }

    /// <summary>PUT of the main resource or of its status subresource.</summary>
    public Task<CachedObject> UpdateAsync(
        ResourceDefinition def, string? ns, string name, IKubernetesObject<V1ObjectMeta> obj, bool status, bool dryRun, CancellationToken ct, string? fieldManager = null)
    {
        if (obj.Metadata.Name != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({obj.Metadata.Name}) does not match the name on the URL ({name})");
        }

        if (def.Namespaced && !string.IsNullOrEmpty(obj.Metadata.NamespaceProperty) && obj.Metadata.NamespaceProperty != ns)
        {
            throw StatusErrors.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        var pinned = ParseResourceVersion(obj.Metadata.ResourceVersion);
        var suppliedManagedFields = obj.Metadata.ManagedFields;
        return GuaranteedUpdateAsync(def, ns, name, retryOnConflict: pinned is null, dryRun, (current, revision) =>
        {
            if (pinned is not null && pinned.Value != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
            }

            // A retry starts again from what the client sent, not from the managedFields the last attempt recorded.
            obj.Metadata.ManagedFields = suppliedManagedFields;
            return PrepareUpdate(def, obj, current, status, fieldManager);
        }, ct);
    }

    /// <summary>Applies the generic update rules and the strategy to <paramref name="obj"/> replacing <paramref name="old"/>.
    /// With <paramref name="fieldManager"/> the write is recorded in managedFields as an Update (of
    /// <paramref name="subresource"/>, by default "status" for status writes).</summary>
    public IKubernetesObject<V1ObjectMeta> PrepareUpdate(
        ResourceDefinition def, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, bool status, string? fieldManager = null, string? subresource = null)
    {
        obj.ApiVersion = def.ApiVersion;
        obj.Kind = def.Kind;
        var meta = obj.Metadata;
        var oldMeta = old.Metadata;
        if (!string.IsNullOrEmpty(meta.Uid) && meta.Uid != oldMeta.Uid)
        {
            throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), meta.Name ?? string.Empty,
                $"Precondition failed: UID in precondition: {meta.Uid}, UID in object meta: {oldMeta.Uid}");
        }

        meta.NamespaceProperty = oldMeta.NamespaceProperty;
        meta.Uid = oldMeta.Uid;
        meta.CreationTimestamp = oldMeta.CreationTimestamp;
        meta.DeletionTimestamp = oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds;
        meta.GenerateName ??= oldMeta.GenerateName;
        meta.SelfLink = null;
        var admissionSubresource = status ? "status" : subresource ?? string.Empty;
        var admission = Admission?.For(AdmissionOperation.Update, def, oldMeta.NamespaceProperty, oldMeta.Name, obj, old, dryRun: false, admissionSubresource);
        Admission?.Admit(admission);
        IReadOnlyList<FieldError> errors;
        if (status)
        {
            def.Strategy.PrepareForStatusUpdate(obj, old, Now);
            obj = Track(obj);
            errors = def.Strategy.ValidateStatusUpdate(obj, old);
        }
        else
        {
            if (meta.Generation is null)
            {
                meta.Generation = oldMeta.Generation;
            }

            def.Strategy.PrepareForUpdate(obj, old, Now);
            obj = Track(obj);
            errors = def.Strategy.ValidateUpdate(obj, old);
        }

        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid(def.Kind, def.Group, obj.Metadata.Name ?? string.Empty, errors);
        }

        var validated = admission is null ? null : admission with { Object = obj };
        Guard(def, validated);
        Admission?.Validate(validated);
        return obj;

        IKubernetesObject<V1ObjectMeta> Track(IKubernetesObject<V1ObjectMeta> prepared) => fieldManager is null
            ? prepared
            : FieldOwnership.RecordUpdate(def, old, prepared, fieldManager, subresource ?? (status ? "status" : string.Empty), Now);
    }

    /// <summary>An update through a subresource whose own rules the caller has applied (e.g. pods/ephemeralcontainers):
    /// the object's identity and lifecycle metadata are kept from <paramref name="old"/> and its managed fields
    /// recorded under <paramref name="subresource"/>; the strategy's update rules are not run, admission is (e.g.
    /// CertificateApproval on <c>certificatesigningrequests/approval</c>, PodSecurity on
    /// <c>pods/ephemeralcontainers</c>).</summary>
    public IKubernetesObject<V1ObjectMeta> PrepareSubresourceUpdate(
        ResourceDefinition def, IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, string fieldManager, string subresource)
    {
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(old);
        obj.ApiVersion = def.ApiVersion;
        obj.Kind = def.Kind;
        obj.Metadata = ModelJson.Deserialize<V1ObjectMeta>(ModelJson.Serialize(old.Metadata));
        var admission = Admission?.For(AdmissionOperation.Update, def, old.Metadata.NamespaceProperty, old.Metadata.Name, obj, old, dryRun: false, subresource);
        Admission?.Admit(admission);
        Admission?.Validate(admission);
        return FieldOwnership.RecordUpdate(def, old, obj, fieldManager, subresource, Now);
    }

    // ---------------------------------------------------------------- delete

    /// <summary>Deletes an object. Returns the object and whether it is gone (false: it is being deleted, i.e. it has
    /// finalizers left or a grace period to wait out).</summary>
    public async Task<(CachedObject Object, bool Gone)> DeleteAsync(ResourceDefinition def, string? ns, string name, V1DeleteOptions options, CancellationToken ct)
    {
        if (options.PropagationPolicy is not (null or "Orphan" or "Background" or "Foreground"))
        {
            throw StatusErrors.Invalid("DeleteOptions", "meta.k8s.io", string.Empty,
                [new FieldError(FieldErrorType.NotSupported, "propagationPolicy", options.PropagationPolicy, "supported values: \"Foreground\", \"Background\", \"Orphan\"")]);
        }

        var dryRun = options.DryRun?.Contains("All") == true;
        var key = def.StorageKey(ns, name);
        if (def.Group.Length == 0 && def.Kind == "Namespace" && ImmortalNamespaces.Contains(name))
        {
            // NamespaceLifecycle admission: these are recreated only at start, and the cluster needs them.
            throw StatusErrors.Forbidden("namespaces", name, "this namespace may not be deleted");
        }

        for (var attempt = 0; ; attempt++)
        {
            var kv = await _store.GetAsync(key, ct) ?? throw StatusErrors.NotFound(StatusErrors.QualifiedResource(def), name);
            var current = ObjectDecoder.FromStorage(def, kv.Value.Span);
            current.Metadata.ResourceVersion = kv.ModRevision.ToString(CultureInfo.InvariantCulture);
            CheckPreconditions(def, name, options.Preconditions, current, kv.ModRevision);
            var admission = Admission?.For(AdmissionOperation.Delete, def, ns, name, null, current, dryRun);
            Admission?.Admit(admission);
            Admission?.Validate(admission);

            var meta = current.Metadata;
            var isNamespace = ReferenceEquals(def, _namespaces) || (def.Group.Length == 0 && def.Kind == "Namespace");
            var gcFinalizerAdded = !isNamespace && meta.DeletionTimestamp is null && GarbageCollectionFinalizers.Apply(meta, options.PropagationPolicy);
            var hasFinalizers = meta.Finalizers is { Count: > 0 };
            var grace = isNamespace ? null : def.Strategy.GracefulDeletionPeriod(current, options.GracePeriodSeconds);

            IKubernetesObject<V1ObjectMeta>? pending = null;
            if (isNamespace)
            {
                // The first delete marks the namespace Terminating; the namespace controller empties it and removes
                // its finalizer through /finalize, which removes it. A later delete removes a namespace nothing holds.
                if (meta.DeletionTimestamp is null)
                {
                    meta.DeletionTimestamp = Now.UtcDateTime;
                    meta.DeletionGracePeriodSeconds = 0;
                    SetNamespacePhase(current, "Terminating");
                    pending = current;
                }
                else if (hasFinalizers || def.Strategy.HoldsDeletion(current))
                {
                    return (ObjectCodec.Served(def, key, current, kv.ModRevision), false);
                }
            }
            else if (grace is > 0)
            {
                // Graceful: mark and wait (the kubelet deletes with grace 0 once the containers stopped).
                var deadline = Now.AddSeconds(grace.Value).UtcDateTime;
                if (meta.DeletionTimestamp is null || meta.DeletionGracePeriodSeconds is null || grace < meta.DeletionGracePeriodSeconds)
                {
                    meta.DeletionTimestamp = deadline;
                    meta.DeletionGracePeriodSeconds = grace;
                    pending = current;
                }
                else
                {
                    return (ObjectCodec.Served(def, key, current, kv.ModRevision), false);
                }
            }
            else if (hasFinalizers)
            {
                if (meta.DeletionTimestamp is null || meta.DeletionGracePeriodSeconds is not 0 || gcFinalizerAdded)
                {
                    meta.DeletionTimestamp ??= Now.UtcDateTime;
                    meta.DeletionGracePeriodSeconds = 0;
                    pending = current;
                }
                else
                {
                    return (ObjectCodec.Served(def, key, current, kv.ModRevision), false);
                }
            }

            try
            {
                if (pending is not null)
                {
                    if (dryRun)
                    {
                        return (ObjectCodec.Served(def, key, pending, kv.ModRevision), false);
                    }

                    var written = await _store.UpdateAsync(key, ObjectCodec.ToStorage(def, pending), kv.ModRevision, ct);
                    if (isNamespace)
                    {
                        // Creates check the namespace in the watch cache: answer once it holds the terminating
                        // namespace, so a create sent after this response is refused (read-your-writes).
                        await _hub.WaitForRevisionAsync(written.ModRevision, FreshnessTimeout, ct);
                    }

                    return (ObjectCodec.Served(def, key, pending, written.ModRevision), false);
                }

                if (dryRun)
                {
                    return (ObjectCodec.Served(def, key, current, kv.ModRevision), true);
                }

                var deleted = await _store.DeleteAsync(key, kv.ModRevision, ct);
                await ReleaseAllocationsAsync(def, current);
                return (ObjectCodec.Served(def, key, current, deleted.ModRevision), true);
            }
            catch (StorageException e) when (e.Code == StorageErrorCode.Conflict && options.Preconditions?.ResourceVersion is null && attempt < 16)
            {
            }
            catch (StorageException e)
            {
                throw StorageErrors.ToApi(e, def, name);
            }
        }
    }

    /// <summary>Removes an object from storage at once, guarded by its revision (used by finalization loops).</summary>
    public async Task RemoveAsync(ResourceDefinition def, string? ns, string name, long expectedRevision, CancellationToken ct)
    {
        try
        {
            await _store.DeleteAsync(def.StorageKey(ns, name), expectedRevision, ct);
        }
        catch (StorageException e)
        {
            throw StorageErrors.ToApi(e, def, name);
        }
    }

    private static void CheckPreconditions(ResourceDefinition def, string name, V1Preconditions? preconditions, IKubernetesObject<V1ObjectMeta> current, long revision)
    {
        if (preconditions is null)
        {
            return;
        }

        var resource = StatusErrors.QualifiedResource(def);
        if (preconditions.Uid is { Length: > 0 } uid && uid != current.Metadata.Uid)
        {
            throw StatusErrors.Conflict(resource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Metadata.Uid}");
        }

        if (preconditions.ResourceVersion is { Length: > 0 } rv && rv != revision.ToString(CultureInfo.InvariantCulture))
        {
            throw StatusErrors.Conflict(resource, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {revision}");
        }
    }

    private static void SetNamespacePhase(IKubernetesObject<V1ObjectMeta> obj, string phase)
    {
        if (obj is V1Namespace ns)
        {
            ns.Status ??= new V1NamespaceStatus();
            ns.Status.Phase = phase;
        }
    }
}
