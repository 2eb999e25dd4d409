using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>The writes that bring a Service's slices to the wanted state.</summary>
public sealed record SlicePlan(
    IReadOnlyList<V1EndpointSlice> Create,
    IReadOnlyList<V1EndpointSlice> Update,
    IReadOnlyList<V1EndpointSlice> Delete)
{
    public bool IsEmpty => Create.Count == 0 && Update.Count == 0 && Delete.Count == 0;
}
