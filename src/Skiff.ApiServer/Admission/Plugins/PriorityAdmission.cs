using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's Priority plugin, the part Skiff has without PriorityClasses: a created pod without a priority gets 0
/// and the preemption policy <c>PreemptLowerPriority</c> (what a cluster without a global default class gives).
/// </summary>
public sealed class PriorityAdmission : IAdmissionPlugin
{
    public string Name => "Priority";

    public void Admit(AdmissionAttributes a)
    {
        if (a.Operation != AdmissionOperation.Create || !a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod pod)
        {
            return;
        }

        var spec = pod.Spec ??= new V1PodSpec();
        spec.Priority ??= 0;
        spec.PreemptionPolicy ??= "PreemptLowerPriority";
    }
}
