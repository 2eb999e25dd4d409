using k8s.Models;
using Skiff.Client.Informers;

namespace Skiff.Client.Tests;

/// <summary>A handler that records every notification as a line, and the state it implies per key.</summary>
internal sealed class RecordingHandler : IResourceEventHandler<V1Pod>
{
    private readonly object _gate = new();

    public List<string> Lines { get; } = [];

    /// <summary>name → resourceVersion, as the notifications so far leave it.</summary>
    public Dictionary<string, string> State { get; } = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return Lines.Count;
            }
        }
    }

    public void OnAdd(V1Pod obj, bool isInInitialList)
    {
        lock (_gate)
        {
            Assert.False(State.ContainsKey(obj.Metadata.Name), $"add of {obj.Metadata.Name}, which the handler already has");
            State[obj.Metadata.Name] = obj.Metadata.ResourceVersion;
            Lines.Add($"add {obj.Metadata.Name}{(isInInitialList ? " initial" : string.Empty)}");
        }
    }

    public void OnUpdate(V1Pod oldObj, V1Pod newObj)
    {
        lock (_gate)
        {
            Assert.True(State.ContainsKey(newObj.Metadata.Name), $"update of {newObj.Metadata.Name}, unknown to the handler");
            if (!ReferenceEquals(oldObj, newObj))
            {
                Assert.NotEqual(oldObj.Metadata.ResourceVersion, newObj.Metadata.ResourceVersion);
            }

            State[newObj.Metadata.Name] = newObj.Metadata.ResourceVersion;
            Lines.Add(ReferenceEquals(oldObj, newObj) ? $"resync {newObj.Metadata.Name}" : $"update {newObj.Metadata.Name}");
        }
    }

    public void OnDelete(V1Pod obj, bool finalStateUnknown)
    {
        lock (_gate)
        {
            Assert.True(State.Remove(obj.Metadata.Name), $"delete of {obj.Metadata.Name}, unknown to the handler");
            Lines.Add($"delete {obj.Metadata.Name}{(finalStateUnknown ? " unknown" : string.Empty)}");
        }
    }

    public Dictionary<string, string> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(State);
        }
    }
}
