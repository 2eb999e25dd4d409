using Skiff.Api.Pods;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Pods;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a pod: defaults as the API server returns them (the admission plugins add the service account,
/// priority and default tolerations before this runs), phase Pending and QoS class on create, spec validation, the narrow set of
/// spec fields an update may change, graceful deletion for bound pods, and kube-apiserver's pod printer.
/// </summary>
public sealed class PodStrategy : ResourceStrategy<V1Pod>
{
    public PodStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Ready", "The aggregate readiness state of this pod for accepting traffic."),
        Column.String("Status", "The aggregate status of the containers in this pod."),
        Column.String("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Column.Age,
        Column.String("IP", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        Column.String("Node", "NodeName is a request to schedule this pod onto a specific node. If it is non-empty, the scheduler simply schedules this pod onto that node, assuming that it fits resource requirements.", 1),
        Column.String("Nominated Node", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
        Column.String("Readiness Gates", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    protected override void ApplyDefaults(V1Pod obj) => PodDefaults.ApplyToPod(obj);

    protected override void ResetStatus(V1Pod obj) => obj.Status = new V1PodStatus();

    protected override void OnCreate(V1Pod obj, DateTimeOffset now)
    {
        obj.Status = new V1PodStatus { Phase = "Pending", QosClass = PodQos.Compute(obj.Spec) };
    }

    protected override IEnumerable<FieldError> Validate(V1Pod obj) =>
        PodSpecValidator.Validate(obj.Spec, "spec").Concat(EphemeralContainerRules.ValidateCreate(obj.Spec));

    protected override IEnumerable<FieldError> ValidateUpdate(V1Pod obj, V1Pod old) =>
        PodSpecValidator.Validate(obj.Spec, "spec").Concat(PodUpdateRules.ValidateSpecUpdate(obj.Spec, old.Spec));

    protected override IReadOnlyList<object?> Cells(V1Pod obj, DateTimeOffset now)
    {
        var (ready, status, restarts) = PodPrinter.Summarize(obj, now);
        var ip = PodPrinter.PodIp(obj);
        return
        [
            obj.Metadata?.Name,
            ready,
            status,
            restarts,
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            ip.Length == 0 ? "<none>" : ip,
            string.IsNullOrEmpty(obj.Spec?.NodeName) ? "<none>" : obj.Spec.NodeName,
            string.IsNullOrEmpty(obj.Status?.NominatedNodeName) ? "<none>" : obj.Status.NominatedNodeName,
            PodPrinter.ReadinessGates(obj),
        ];
    }

    protected override void AddSelectableFields(V1Pod obj, IDictionary<string, string> fields)
    {
        fields["spec.nodeName"] = obj.Spec?.NodeName ?? string.Empty;
        fields["spec.restartPolicy"] = obj.Spec?.RestartPolicy ?? string.Empty;
        fields["spec.schedulerName"] = obj.Spec?.SchedulerName ?? string.Empty;
        fields["spec.serviceAccountName"] = obj.Spec?.ServiceAccountName ?? string.Empty;
        fields["spec.hostNetwork"] = obj.Spec?.HostNetwork == true ? "true" : "false";
        fields["status.phase"] = obj.Status?.Phase ?? string.Empty;
        fields["status.podIP"] = PodPrinter.PodIp(obj);
        fields["status.nominatedNodeName"] = obj.Status?.NominatedNodeName ?? string.Empty;
    }

    /// <summary>
    /// Kubernetes' pod CheckGracefulDeletion: the requested period, else the spec's terminationGracePeriodSeconds;
    /// a pod not bound to a node or already finished (Succeeded/Failed) goes at once, and so does a period of 0
    /// (returned as null). A negative request counts as 1 second, like the kubelet's minimum.
    /// </summary>
    protected override long? GracefulDeletionPeriod(V1Pod obj, long? requestedGracePeriodSeconds)
    {
        var period = requestedGracePeriodSeconds ?? obj.Spec?.TerminationGracePeriodSeconds ?? 0;
        if (string.IsNullOrEmpty(obj.Spec?.NodeName) || obj.Status?.Phase is "Succeeded" or "Failed")
        {
            return null;
        }

        if (period < 0)
        {
            period = 1;
        }

        return period == 0 ? null : period;
    }
}
