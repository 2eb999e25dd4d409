namespace Skiff.Client.Cache;

/// <summary>
/// The keys under one index value, held as the key itself while there is one and as a set from the second on. Most
/// index values name one object (a Service's cluster IP, an endpoint's address, a pod's node in a small cluster
/// while it fills): a set for each costs about 170 bytes, a third of a minimal cached object's own size.
/// </summary>
internal static class IndexBuckets
{
    public static void Add(Dictionary<string, object> values, string value, string key)
    {
        if (!values.TryGetValue(value, out var bucket))
        {
            values[value] = key;
        }
        else if (bucket is HashSet<string> keys)
        {
            keys.Add(key);
        }
        else if (!string.Equals((string)bucket, key, StringComparison.Ordinal))
        {
            values[value] = new HashSet<string>(StringComparer.Ordinal) { (string)bucket, key };
        }
    }

    public static void Remove(Dictionary<string, object> values, string value, string key)
    {
        if (!values.TryGetValue(value, out var bucket))
        {
            return;
        }

        if (bucket is HashSet<string> keys)
        {
            if (keys.Remove(key) && keys.Count == 0)
            {
                values.Remove(value);
            }
        }
        else if (string.Equals((string)bucket, key, StringComparison.Ordinal))
        {
            values.Remove(value);
        }
    }
}
