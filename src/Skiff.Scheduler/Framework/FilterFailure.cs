namespace Skiff.Scheduler.Framework;

/// <summary>
/// Why a node does not fit a pod, in upstream's words (each reason is counted into the FailedScheduling message).
/// <see cref="Unresolvable"/> is upstream's UnschedulableAndUnresolvable: evicting pods would not help, so
/// preemption skips the node.
/// </summary>
public sealed record FilterFailure(IReadOnlyList<string> Reasons, bool Unresolvable)
{
    public FilterFailure(string reason, bool unresolvable)
        : this([reason], unresolvable)
    {
    }
}
