using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.ReplicaSets;

namespace Skiff.Controllers.ReplicationControllers;

/// <summary>
/// The ReplicationController manager (upstream's pkg/controller/replication): the ReplicaSet controller's logic run
/// on ReplicationControllers, converting between the two shapes as upstream does. The only real difference is the
/// selector, a plain label map here (equality only), seen by the logic as <c>matchLabels</c>.
/// </summary>
public sealed class ReplicationManager(ComponentContext context) : ReplicaController<V1ReplicationController>(context, "replication-controller")
{
    protected override V1ReplicaSetSpec SpecOf(V1ReplicationController obj) => new()
    {
        Replicas = obj.Spec?.Replicas,
        MinReadySeconds = obj.Spec?.MinReadySeconds,
        Selector = new V1LabelSelector { MatchLabels = obj.Spec?.Selector ?? new Dictionary<string, string>() },
        Template = obj.Spec?.Template,
    };

    protected override V1ReplicaSetStatus? StatusOf(V1ReplicationController obj) => obj.Status is not { } status ? null : new V1ReplicaSetStatus
    {
        Replicas = status.Replicas,
        FullyLabeledReplicas = status.FullyLabeledReplicas,
        ReadyReplicas = status.ReadyReplicas,
        AvailableReplicas = status.AvailableReplicas,
        ObservedGeneration = status.ObservedGeneration,
        Conditions = status.Conditions?.Select(c => new V1ReplicaSetCondition
        {
            Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, LastTransitionTime = c.LastTransitionTime,
        }).ToList(),
    };

    protected override void SetStatus(V1ReplicationController obj, V1ReplicaSetStatus status) => obj.Status = new V1ReplicationControllerStatus
    {
        Replicas = status.Replicas,
        FullyLabeledReplicas = status.FullyLabeledReplicas,
        ReadyReplicas = status.ReadyReplicas,
        AvailableReplicas = status.AvailableReplicas,
        ObservedGeneration = status.ObservedGeneration,
        Conditions = status.Conditions?.Select(c => new V1ReplicationControllerCondition
        {
            Type = c.Type, Status = c.Status, Reason = c.Reason, Message = c.Message, LastTransitionTime = c.LastTransitionTime,
        }).ToList(),
    };
}
