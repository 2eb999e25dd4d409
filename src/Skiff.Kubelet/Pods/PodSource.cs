using k8s.Models;
using Skiff.Client;
using Skiff.Client.Informers;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Feeds the pods bound to this node to the pod workers: an event handler on the process's shared pod informer
/// (<c>spec.nodeName=&lt;node&gt;</c>), which lists, watches, and re-lists after 410 Gone (pods that vanished
/// meanwhile arrive as deletes). Mirror pods are skipped: their static pods run from the manifest.
/// </summary>
public sealed class PodSource(PodWorkers workers) : IResourceEventHandler<V1Pod>
{
    private readonly HashSet<string> known = new(StringComparer.Ordinal);
    private IHandlerRegistration? registration;

    /// <summary>The informer options of a kubelet's pods: those bound to <paramref name="nodeName"/>.</summary>
    public static InformerOptions ForNode(string nodeName) => new() { FieldSelector = $"spec.nodeName={nodeName}" };

    /// <summary>Uids of the API pods this source has handed out and not removed.</summary>
    public bool Has(string uid)
    {
        lock (known)
        {
            return known.Contains(uid);
        }
    }

    /// <summary>Starts taking the informer's notifications (the cached pods first, as adds).</summary>
    public void Attach(SharedInformer<V1Pod> informer)
    {
        ArgumentNullException.ThrowIfNull(informer);
        registration = informer.AddEventHandler(this);
    }

    /// <summary>Completes once the first list has been handed to the workers: before it, every running pod would
    /// look orphaned.</summary>
    public Task WaitForSyncAsync(CancellationToken cancellationToken) =>
        registration?.WaitForSyncAsync(cancellationToken) ?? throw new InvalidOperationException("the pod source is not attached to an informer");

    public void OnAdd(V1Pod obj, bool isInInitialList) => Upsert(obj);

    public void OnUpdate(V1Pod oldObj, V1Pod newObj) => Upsert(newObj);

    public void OnDelete(V1Pod obj, bool finalStateUnknown)
    {
        if (IsMirror(obj))
        {
            return;
        }

        lock (known)
        {
            known.Remove(obj.Metadata.Uid);
        }

        workers.Remove(ObjectCopy.Clone(obj));
    }

    private void Upsert(V1Pod pod)
    {
        if (IsMirror(pod))
        {
            return;
        }

        lock (known)
        {
            known.Add(pod.Metadata.Uid);
        }

        // The informer's objects are shared; the workers get their own copy.
        workers.Update(ObjectCopy.Clone(pod));
    }

    public static bool IsMirror(V1Pod pod) =>
        pod?.Metadata?.Annotations?.ContainsKey(KubeletLabels.ConfigMirror) == true;
}
