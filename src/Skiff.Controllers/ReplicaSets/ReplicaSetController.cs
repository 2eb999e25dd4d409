using k8s.Models;
using Skiff.Client;

namespace Skiff.Controllers.ReplicaSets;

/// <summary>The ReplicaSet controller (upstream's pkg/controller/replicaset): <see cref="ReplicaController{T}"/> over
/// ReplicaSets, whose spec and status are the logic's own shape.</summary>
public sealed class ReplicaSetController(ComponentContext context) : ReplicaController<V1ReplicaSet>(context, "replicaset-controller")
{
    protected override V1ReplicaSetSpec SpecOf(V1ReplicaSet obj) => obj.Spec;

    protected override V1ReplicaSetStatus? StatusOf(V1ReplicaSet obj) => obj.Status;

    protected override void SetStatus(V1ReplicaSet obj, V1ReplicaSetStatus status) => obj.Status = status;
}
