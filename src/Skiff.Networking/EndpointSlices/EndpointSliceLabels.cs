namespace Skiff.Networking.EndpointSlices;

/// <summary>The well-known labels and names that tie EndpointSlices and Endpoints to their Service (upstream's
/// discovery/v1 and core/v1 constants).</summary>
public static class EndpointSliceLabels
{
    /// <summary>The Service a slice belongs to.</summary>
    public const string ServiceName = "kubernetes.io/service-name";

    /// <summary>Which controller owns a slice; each controller touches only its own.</summary>
    public const string ManagedBy = "endpointslice.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedBy"/> for slices made from a Service's selector.</summary>
    public const string ControllerName = "endpointslice-controller.k8s.io";

    /// <summary>The value of <see cref="ManagedBy"/> for slices mirrored from a selector-less Service's Endpoints.</summary>
    public const string MirroringControllerName = "endpointslicemirroring-controller.k8s.io";

    /// <summary>Set on the slices and Endpoints of headless Services (clusterIP None).</summary>
    public const string Headless = "service.kubernetes.io/headless";

    /// <summary>On an Endpoints object, "true" stops it being mirrored into slices.</summary>
    public const string SkipMirror = "endpointslice.kubernetes.io/skip-mirror";

    /// <summary>The node label giving an endpoint's zone.</summary>
    public const string Zone = "topology.kubernetes.io/zone";

    /// <summary>Upstream's limit of endpoints per slice (kube-controller-manager --max-endpoints-per-slice).</summary>
    public const int MaxEndpointsPerSlice = 100;

    /// <summary>Upstream's limit of addresses in one Endpoints object; past it the rest are dropped and the object is
    /// annotated <see cref="OverCapacity"/>.</summary>
    public const int MaxEndpointsAddresses = 1000;

    public const string OverCapacity = "endpoints.kubernetes.io/over-capacity";
}
