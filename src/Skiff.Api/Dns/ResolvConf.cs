namespace Skiff.Api.Dns;

/// <summary>
/// The parts of a resolv.conf(5) that Kubernetes uses: <c>nameserver</c>, <c>search</c> (or <c>domain</c>) and
/// <c>options</c>, in order, duplicates dropped. Read by cluster DNS (where to forward) and the kubelet (the host's
/// settings for dnsPolicy Default and the host's search domains for ClusterFirst).
/// </summary>
public sealed record ResolvConf(IReadOnlyList<string> Nameservers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static readonly ResolvConf Empty = new([], [], []);

    public static ResolvConf Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var servers = new List<string>();
        var searches = new List<string>();
        var options = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            switch (fields[0])
            {
                case "nameserver" when fields.Length > 1:
                    AddNew(servers, fields[1]);
                    break;
                case "search":
                case "domain":
                    // The last search or domain line wins (resolv.conf(5)).
                    searches.Clear();
                    foreach (var s in fields.Skip(1))
                    {
                        AddNew(searches, s.TrimEnd('.'));
                    }

                    break;
                case "options":
                    foreach (var o in fields.Skip(1))
                    {
                        AddNew(options, o);
                    }

                    break;
            }
        }

        return new ResolvConf(servers, searches, options);
    }

    /// <summary>The file at <paramref name="path"/>, or <see cref="Empty"/> when there is none.</summary>
    public static async Task<ResolvConf> ReadAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return Parse(await File.ReadAllTextAsync(path, cancellationToken));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Empty;
        }
    }

    private static void AddNew(List<string> list, string value)
    {
        if (!list.Contains(value, StringComparer.Ordinal))
        {
            list.Add(value);
        }
    }
}
