using System.Collections.Concurrent;

namespace Skiff.Networking.Dns;

/// <summary>
/// One instance of each string of few values (namespaces, port names, protocols, Service types), so that ten
/// thousand cached objects of one namespace hold one copy of its name instead of one each as decoded. Bounded, unlike
/// <see cref="string.Intern(string)"/>: past <see cref="Capacity"/> distinct values (a cluster that made and dropped
/// many namespaces) a string is kept as given, not added.
/// </summary>
public sealed class SharedStrings
{
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private int _count; // ConcurrentDictionary.Count takes every lock of the table

    public SharedStrings(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>The shared instance equal to <paramref name="value"/> (null stays null).</summary>
    public string? Get(string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }

        if (Volatile.Read(ref _count) >= Capacity)
        {
            return value;
        }

        if (_strings.TryAdd(value, value))
        {
            Interlocked.Increment(ref _count);
            return value;
        }

        return _strings.TryGetValue(value, out shared) ? shared : value;
    }
}
