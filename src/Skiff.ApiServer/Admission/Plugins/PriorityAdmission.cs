using k8s;
using k8s.Models;
using Skiff.Apimachinery.Strategies.Scheduling;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's Priority plugin (plugin/pkg/admission/priority). A created pod gets <c>spec.priority</c> and
/// <c>spec.preemptionPolicy</c> from its <c>priorityClassName</c>; without one, from the global default class (the
/// lowest-valued if several claim it) or 0 and PreemptLowerPriority when there is none. An unknown class is refused
/// (403 "no PriorityClass with name X was found"), and so is a pod that gives a priority or preemption policy
/// differing from its class's. An update keeps the pod's priority and policy when the new object omits them. For
/// priorityclasses it checks that only one class is the global default, and it refuses deleting a system class
/// (upstream refuses that in the priorityclasses REST storage's Delete, with the same Forbidden status).
/// </summary>
public sealed class PriorityAdmission : IAdmissionPlugin
{
    private const string Group = "scheduling.k8s.io";
    private const string Plural = "priorityclasses";

    public string Name => "Priority";

    public void Admit(AdmissionAttributes a)
    {
        if (!a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod pod)
        {
            return;
        }

        var spec = pod.Spec ??= new V1PodSpec();
        if (a.Operation == AdmissionOperation.Update)
        {
            if (a.OldObject is V1Pod old)
            {
                spec.Priority ??= old.Spec?.Priority;
                spec.PreemptionPolicy ??= old.Spec?.PreemptionPolicy;
            }

            return;
        }

        if (a.Operation != AdmissionOperation.Create)
        {
            return;
        }

        int priority;
        string? preemptionPolicy;
        if (string.IsNullOrEmpty(spec.PriorityClassName))
        {
            var global = GlobalDefault(a.Cluster);
            spec.PriorityClassName = global?.Name;
            priority = global?.Value ?? 0;
            preemptionPolicy = global is null ? PriorityClassStrategy.PreemptLowerPriority : global.PreemptionPolicy;
        }
        else
        {
            if (a.Cluster.Get(Group, Plural, null, spec.PriorityClassName) is not V1PriorityClass named)
            {
                throw AdmissionErrors.Forbidden(a, $"no PriorityClass with name {spec.PriorityClassName} was found");
            }

            priority = named.Value ?? 0;
            preemptionPolicy = named.PreemptionPolicy;
        }

        if (spec.Priority is { } given && given != priority)
        {
            throw AdmissionErrors.Forbidden(a,
                $"the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name");
        }

        spec.Priority = priority;
        if (preemptionPolicy is not null)
        {
            if (spec.PreemptionPolicy is { } givenPolicy && givenPolicy != preemptionPolicy)
            {
                throw AdmissionErrors.Forbidden(a,
                    $"the string value of PreemptionPolicy ({givenPolicy}) must not be provided in pod spec; priority admission controller computed {preemptionPolicy} from the given PriorityClass name");
            }

            spec.PreemptionPolicy = preemptionPolicy;
        }
    }

    public void Validate(AdmissionAttributes a)
    {
        if (a.Operation == AdmissionOperation.Delete && a.Is(Group, Plural) && a.Subresource.Length == 0
            && a.Name is SystemPriorityClasses.ClusterCritical or SystemPriorityClasses.NodeCritical)
        {
            throw AdmissionErrors.Forbidden(a, "this is a system priority class and cannot be deleted");
        }

        if (!a.Is(Group, Plural) || a.Subresource.Length > 0 || a.Object is not V1PriorityClass pc || pc.GlobalDefault != true
            || a.Operation is not (AdmissionOperation.Create or AdmissionOperation.Update))
        {
            return;
        }

        // A second default may not be created, nor another class marked as default while one exists.
        if (GlobalDefault(a.Cluster) is { } existing && (a.Operation == AdmissionOperation.Create || existing.Name != pc.Metadata?.Name))
        {
            throw AdmissionErrors.Forbidden(a, $"PriorityClass {existing.Name} is already marked as default. Only one default can exist");
        }
    }

    /// <summary>Upstream's getDefaultPriorityClass: of the classes marked globalDefault, the one with the lowest value.</summary>
    private static DefaultClass? GlobalDefault(IClusterObjects cluster) => cluster.DerivedFromAll(Group, Plural, GlobalDefaultOf);

    // Kept by the cluster view until a PriorityClass changes: every pod create without a class reads it.
    private static readonly Func<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>, DefaultClass?> GlobalDefaultOf = static classes =>
        classes.OfType<V1PriorityClass>().Where(pc => pc.GlobalDefault == true).MinBy(pc => pc.Value ?? 0) is { } found
            ? new DefaultClass(found.Metadata.Name, found.Value, found.PreemptionPolicy)
            : null;

    private sealed record DefaultClass(string Name, int? Value, string? PreemptionPolicy);
}
