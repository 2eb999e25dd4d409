namespace Skiff.Kubelet.Pods;

/// <summary>
/// What one sync did to the containers of a pod's sandbox: those it created, started or stopped (their state must be
/// read again) and those it removed (gone, nothing to read). <see cref="RuntimeObserver"/> re-reads just these.
/// </summary>
public sealed class ContainerChanges
{
    private readonly HashSet<string> changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> removed = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Changed => changed;

    public IReadOnlyCollection<string> Removed => removed;

    public bool IsEmpty => changed.Count == 0 && removed.Count == 0;

    public void Touched(string containerId)
    {
        removed.Remove(containerId);
        changed.Add(containerId);
    }

    public void Gone(string containerId)
    {
        changed.Remove(containerId);
        removed.Add(containerId);
    }
}
