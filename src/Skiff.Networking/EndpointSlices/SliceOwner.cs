using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>What the slices of one Service carry from it: namespace, the Service's name, labels, the owner
/// reference, and which controller manages them.</summary>
public sealed record SliceOwner(
    string Namespace,
    string ServiceName,
    IReadOnlyDictionary<string, string> Labels,
    V1OwnerReference OwnerReference,
    string ManagedBy,
    string PlaceholderAddressType);
