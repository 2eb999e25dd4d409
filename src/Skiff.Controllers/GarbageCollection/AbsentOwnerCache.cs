namespace Skiff.Controllers.GarbageCollection;

/// <summary>
/// Owners the collector has confirmed gone (a live read found no object with their uid), as upstream's
/// <c>absentOwnerCache</c>: the dependents of a deleted ReplicaSet all name the same owner, and without it each of its
/// pods cost one more GET answered 404. A uid is never reused, so an absent owner stays absent; the cache only bounds
/// its memory, dropping the least recently used.
/// </summary>
internal sealed class AbsentOwnerCache(int capacity)
{
    private readonly object _gate = new();
    private readonly Dictionary<(string? Namespace, string Uid), LinkedListNode<(string?, string)>> _entries = [];
    private readonly LinkedList<(string?, string)> _recent = new();

    /// <summary>Upstream's size (kube-controller-manager's garbage collector keeps 500).</summary>
    public const int DefaultCapacity = 500;

    public bool Contains(string? ns, string uid)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue((ns, uid), out var node))
            {
                return false;
            }

            _recent.Remove(node);
            _recent.AddFirst(node);
            return true;
        }
    }

    public void Add(string? ns, string uid)
    {
        lock (_gate)
        {
            if (_entries.ContainsKey((ns, uid)))
            {
                return;
            }

            _entries[(ns, uid)] = _recent.AddFirst((ns, uid));
            if (_entries.Count > capacity)
            {
                _entries.Remove(_recent.Last!.Value);
                _recent.RemoveLast();
            }
        }
    }
}
