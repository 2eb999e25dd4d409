namespace Skiff.Scheduler.Framework;

/// <summary>What plugins compute once per pod in PreFilter/PreScore and read per node (upstream's CycleState).
/// Written before the parallel per-node phase, only read during it.</summary>
public sealed class CycleState
{
    private readonly Dictionary<string, object> _data = new(StringComparer.Ordinal);

    public void Write(string key, object value) => _data[key] = value;

    public T? Read<T>(string key)
        where T : class => _data.TryGetValue(key, out var value) ? (T)value : null;
}
