using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// Nodes and the pods on them, kept from the informers' events, plus the pods this scheduler has assumed onto a node
/// before the API echoed their binding (upstream's scheduler cache): the next pod is placed knowing what the last one
/// took. A scheduling cycle reads under <see cref="Read"/>; events and assumptions write.
/// </summary>
public sealed class SchedulerCache
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _podNode = new(StringComparer.Ordinal);
    private readonly HashSet<string> _assumed = new(StringComparer.Ordinal);
    private NodeInfo[] _list = [];
    private bool _listStale = true;

    public int NodeCount
    {
        get
        {
            using var _ = Read();
            return _nodes.Values.Count(n => n.Node is not null);
        }
    }

    /// <summary>Holds the read lock until disposed; the scheduling cycle's view.</summary>
    public ReadLock Read() => new(_lock);

    /// <summary>The nodes known with their Node object, in a stable order (under <see cref="Read"/>).</summary>
    public NodeInfo[] Nodes()
    {
        if (_listStale)
        {
            // Rebuilt after node adds and deletes only; callers hold the read lock, so build under a private lock.
            lock (_nodes)
            {
                if (_listStale)
                {
                    _list = [.. _nodes.Values.Where(n => n.Node is not null).OrderBy(n => n.Name, StringComparer.Ordinal)];
                    _listStale = false;
                }
            }
        }

        return _list;
    }

    public NodeInfo? Node(string name) => _nodes.GetValueOrDefault(name);

    public void UpsertNode(V1Node node)
    {
        Write(() =>
        {
            var info = Info(node.Metadata.Name);
            if (info.Node is null)
            {
                _listStale = true;
            }

            info.Node = node;
        });
    }

    public void RemoveNode(string name)
    {
        Write(() =>
        {
            if (_nodes.TryGetValue(name, out var info))
            {
                info.Node = null;
                if (info.PodCount == 0)
                {
                    _nodes.Remove(name);
                }

                _listStale = true;
            }
        });
    }

    /// <summary>A pod as the API shows it: counted on its node while bound and not finished.</summary>
    public void UpsertPod(V1Pod pod)
    {
        var key = ObjectKeys.Of(pod);
        var node = pod.Spec?.NodeName;
        var counts = !string.IsNullOrEmpty(node) && pod.Status?.Phase is not ("Succeeded" or "Failed");
        Write(() =>
        {
            _assumed.Remove(key); // the API has spoken for it now
            if (_podNode.TryGetValue(key, out var previous) && (!counts || previous != node))
            {
                RemoveFrom(previous, key);
            }

            if (counts)
            {
                Info(node!).AddPod(key, pod);
                _podNode[key] = node!;
            }
        });
    }

    public void RemovePod(string key)
    {
        Write(() =>
        {
            _assumed.Remove(key);
            if (_podNode.TryGetValue(key, out var node))
            {
                RemoveFrom(node, key);
            }
        });
    }

    /// <summary>Counts <paramref name="pod"/> on <paramref name="node"/> before its binding is confirmed.</summary>
    public void Assume(V1Pod pod, string node)
    {
        var key = ObjectKeys.Of(pod);
        var assumed = Client.ObjectCopy.Clone(pod);
        assumed.Spec.NodeName = node;
        Write(() =>
        {
            Info(node).AddPod(key, assumed);
            _podNode[key] = node;
            _assumed.Add(key);
        });
    }

    /// <summary>The binding failed: the pod no longer counts on the node it was assumed on.</summary>
    public void Forget(string key)
    {
        Write(() =>
        {
            if (_assumed.Remove(key) && _podNode.TryGetValue(key, out var node))
            {
                RemoveFrom(node, key);
            }
        });
    }

    public bool IsAssumed(string key)
    {
        using var _ = Read();
        return _assumed.Contains(key);
    }

    private void RemoveFrom(string node, string key)
    {
        _podNode.Remove(key);
        if (_nodes.TryGetValue(node, out var info) && info.RemovePod(key) && info.Node is null && info.PodCount == 0)
        {
            _nodes.Remove(node);
        }
    }

    private NodeInfo Info(string name)
    {
        if (!_nodes.TryGetValue(name, out var info))
        {
            info = new NodeInfo(name);
            _nodes[name] = info;
        }

        return info;
    }

    private void Write(Action change)
    {
        _lock.EnterWriteLock();
        try
        {
            change();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>A held read lock.</summary>
    public readonly struct ReadLock : IDisposable
    {
        private readonly ReaderWriterLockSlim _held;

        public ReadLock(ReaderWriterLockSlim held)
        {
            _held = held;
            held.EnterReadLock();
        }

        public void Dispose() => _held.ExitReadLock();
    }
}
