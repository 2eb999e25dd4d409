namespace Skiff.Scheduler.Framework;

/// <summary>What plugins compute once per pod in PreFilter/PreScore and read per node (upstream's CycleState).
/// Written before the parallel per-node phase, only read during it.</summary>
/// <remarks>A handful of entries, read by every filter for every node of a cycle: a linear scan that compares the
/// plugins' constant keys by reference first costs less than hashing the key each time.</remarks>
public sealed class CycleState
{
    private readonly List<(string Key, object Value)> _data = new(8);

    public void Write(string key, object value)
    {
        ArgumentNullException.ThrowIfNull(key);
        var index = IndexOf(key);
        if (index >= 0)
        {
            _data[index] = (key, value);
        }
        else
        {
            _data.Add((key, value));
        }
    }

    public T? Read<T>(string key)
        where T : class
    {
        var index = IndexOf(key);
        return index < 0 ? null : (T)_data[index].Value;
    }

    private int IndexOf(string key)
    {
        var data = _data;
        for (var i = 0; i < data.Count; i++)
        {
            if (ReferenceEquals(data[i].Key, key))
            {
                return i;
            }
        }

        for (var i = 0; i < data.Count; i++)
        {
            if (string.Equals(data[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
