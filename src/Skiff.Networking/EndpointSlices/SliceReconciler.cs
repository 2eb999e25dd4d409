using k8s.Models;
using Skiff.Api.Json;
using Skiff.Client;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// Decides the creates, updates and deletes that turn a Service's existing slices into the wanted endpoint groups
/// (upstream's endpointslice reconciler, simplified): endpoints stay in the slice that holds them where possible, so
/// that one pod changing rewrites one slice; new endpoints fill slices that are being rewritten anyway, then slices
/// with room, then new slices of at most <see cref="EndpointSliceLabels.MaxEndpointsPerSlice"/>; emptied slices go.
/// A Service without any endpoint keeps one empty placeholder slice, as upstream (the mirroring controller does not). Pure: it reads and writes no API.
/// </summary>
public static class SliceReconciler
{
    public static SlicePlan Plan(
        SliceOwner owner,
        IReadOnlyList<EndpointGroup> wanted,
        IReadOnlyList<V1EndpointSlice> existing,
        bool placeholder = true,
        int maxPerSlice = EndpointSliceLabels.MaxEndpointsPerSlice)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(wanted);
        ArgumentNullException.ThrowIfNull(existing);
        var labels = SliceLabels(owner);
        var create = new List<V1EndpointSlice>();
        var update = new List<V1EndpointSlice>();
        var delete = new List<V1EndpointSlice>();
        var wantedByKey = wanted.Where(g => g.Endpoints.Count > 0).GroupBy(g => g.Key)
            .ToDictionary(g => g.Key, g => g.First() with { Endpoints = [.. g.SelectMany(x => x.Endpoints)] }, StringComparer.Ordinal);
        var existingByKey = existing.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal)
            .GroupBy(s => EndpointGroup.KeyOf(s.AddressType, s.Ports))
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        foreach (var (key, slices) in existingByKey)
        {
            if (!wantedByKey.ContainsKey(key))
            {
                delete.AddRange(slices);
            }
        }

        foreach (var (key, group) in wantedByKey)
        {
            PlanGroup(owner, labels, group, existingByKey.GetValueOrDefault(key) ?? [], maxPerSlice, create, update, delete);
        }

        if (wantedByKey.Count == 0 && placeholder)
        {
            KeepPlaceholder(owner, labels, existing, create, update, delete);
        }
        else
        {
            ReusePlaceholder(create, update, delete);
        }

        return new SlicePlan(create, update, delete);
    }

    private static void PlanGroup(
        SliceOwner owner,
        Dictionary<string, string> labels,
        EndpointGroup group,
        List<V1EndpointSlice> slices,
        int maxPerSlice,
        List<V1EndpointSlice> create,
        List<V1EndpointSlice> update,
        List<V1EndpointSlice> delete)
    {
        var wanted = new Dictionary<string, V1Endpoint>(StringComparer.Ordinal);
        foreach (var endpoint in group.Endpoints)
        {
            wanted.TryAdd(AddressKey(endpoint), endpoint);
        }

        var placed = new HashSet<string>(StringComparer.Ordinal);
        var kept = new List<(V1EndpointSlice Slice, List<V1Endpoint> Endpoints, bool Changed)>();
        foreach (var slice in slices)
        {
            var endpoints = new List<V1Endpoint>();
            var changed = !SameLabels(slice.Metadata.Labels, labels);
            foreach (var current in slice.Endpoints ?? [])
            {
                var key = AddressKey(current);
                if (wanted.TryGetValue(key, out var next) && endpoints.Count < maxPerSlice && placed.Add(key))
                {
                    endpoints.Add(next);
                    changed |= !SameJson(current, next);
                }
                else
                {
                    changed = true;
                }
            }

            kept.Add((slice, endpoints, changed));
        }

        var unplaced = new Queue<V1Endpoint>(wanted.Where(kv => !placed.Contains(kv.Key)).Select(kv => kv.Value));

        // Fill slices being rewritten first (no extra write), then any slice with room.
        foreach (var pass in new[] { true, false })
        {
            for (var i = 0; i < kept.Count && unplaced.Count > 0; i++)
            {
                var (slice, endpoints, changed) = kept[i];
                if (changed != pass)
                {
                    continue;
                }

                while (endpoints.Count < maxPerSlice && unplaced.TryDequeue(out var endpoint))
                {
                    endpoints.Add(endpoint);
                    changed = true;
                }

                kept[i] = (slice, endpoints, changed);
            }
        }

        foreach (var (slice, endpoints, changed) in kept)
        {
            if (endpoints.Count == 0)
            {
                delete.Add(slice);
            }
            else if (changed)
            {
                var next = ObjectCopy.Clone(slice);
                next.Metadata.Labels = new Dictionary<string, string>(labels);
                next.Endpoints = endpoints;
                update.Add(next);
            }
        }

        while (unplaced.Count > 0)
        {
            var endpoints = new List<V1Endpoint>();
            while (endpoints.Count < maxPerSlice && unplaced.TryDequeue(out var endpoint))
            {
                endpoints.Add(endpoint);
            }

            create.Add(NewSlice(owner, labels, group.AddressType, group.Ports, endpoints));
        }
    }

    private static void KeepPlaceholder(
        SliceOwner owner,
        Dictionary<string, string> labels,
        IReadOnlyList<V1EndpointSlice> existing,
        List<V1EndpointSlice> create,
        List<V1EndpointSlice> update,
        List<V1EndpointSlice> delete)
    {
        var keep = existing.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        if (keep is null)
        {
            create.Add(NewSlice(owner, labels, owner.PlaceholderAddressType, [], []));
            return;
        }

        delete.Remove(keep);
        if ((keep.Endpoints?.Count ?? 0) > 0 || (keep.Ports?.Count ?? 0) > 0 || !SameLabels(keep.Metadata.Labels, labels))
        {
            // Ports and addressType: ports may change in place, addressType may not; a placeholder keeps its type.
            var next = ObjectCopy.Clone(keep);
            next.Metadata.Labels = new Dictionary<string, string>(labels);
            next.Endpoints = [];
            next.Ports = [];
            update.Add(next);
        }
    }

    /// <summary>As upstream: the first endpoints of a Service that had none go into its placeholder slice (an update)
    /// rather than into a new slice while the placeholder is deleted.</summary>
    private static void ReusePlaceholder(List<V1EndpointSlice> create, List<V1EndpointSlice> update, List<V1EndpointSlice> delete)
    {
        var placeholder = delete.FirstOrDefault(s => (s.Endpoints?.Count ?? 0) == 0);
        var fresh = placeholder is null ? null : create.FirstOrDefault(s => s.AddressType == placeholder.AddressType);
        if (placeholder is null || fresh is null)
        {
            return;
        }

        var next = ObjectCopy.Clone(placeholder);
        next.Metadata.Labels = fresh.Metadata.Labels;
        next.Ports = fresh.Ports;
        next.Endpoints = fresh.Endpoints;
        delete.Remove(placeholder);
        create.Remove(fresh);
        update.Add(next);
    }

    private static V1EndpointSlice NewSlice(
        SliceOwner owner,
        Dictionary<string, string> labels,
        string addressType,
        IReadOnlyList<Discoveryv1EndpointPort> ports,
        List<V1Endpoint> endpoints) => new()
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                GenerateName = GenerateName(owner.ServiceName),
                NamespaceProperty = owner.Namespace,
                Labels = new Dictionary<string, string>(labels),
                OwnerReferences = [owner.OwnerReference],
            },
            AddressType = addressType,
            Ports = [.. ports],
            Endpoints = endpoints,
        };

    /// <summary>Upstream's prefix: the Service's name and a dash, cut so that the generated name stays within 63.</summary>
    private static string GenerateName(string serviceName)
    {
        var prefix = serviceName + "-";
        return prefix.Length > 58 ? prefix[..58] : prefix;
    }

    private static Dictionary<string, string> SliceLabels(SliceOwner owner)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in owner.Labels)
        {
            labels[key] = value;
        }

        labels[EndpointSliceLabels.ServiceName] = owner.ServiceName;
        labels[EndpointSliceLabels.ManagedBy] = owner.ManagedBy;
        return labels;
    }

    private static string AddressKey(V1Endpoint endpoint) => string.Join(",", endpoint.Addresses ?? []);

    private static bool SameLabels(IDictionary<string, string>? current, Dictionary<string, string> wanted) =>
        current is not null && current.Count == wanted.Count
        && wanted.All(kv => current.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool SameJson(object a, object b) =>
        ModelJson.Serialize(a).AsSpan().SequenceEqual(ModelJson.Serialize(b));
}
