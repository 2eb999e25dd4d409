namespace Skiff.Networking.Proxy;

/// <summary>
/// The desired content of the proxy's nftables table: base chains (hooked), regular chains with their rules,
/// dynamic sets (session affinity) and verdict maps with their elements. Rendered whole for the first sync and
/// diffed against the previous ruleset for the following ones (<see cref="NftTransaction"/>).
/// </summary>
public sealed class NftRuleset(string table)
{
    public string Table { get; } = table;

    /// <summary>Base chain name to its hook line (<c>type nat hook prerouting priority dstnat; policy accept;</c>).</summary>
    public SortedDictionary<string, string> Hooks { get; } = new(StringComparer.Ordinal);

    /// <summary>Every chain (base or not) to its rules, in order.</summary>
    public SortedDictionary<string, List<string>> Chains { get; } = new(StringComparer.Ordinal);

    /// <summary>Set name to its declaration body (<c>type ipv4_addr; flags dynamic,timeout; timeout 10800s;</c>).</summary>
    public SortedDictionary<string, string> Sets { get; } = new(StringComparer.Ordinal);

    /// <summary>Set name to its elements (of the sets in <see cref="Sets"/> that are not dynamic).</summary>
    public SortedDictionary<string, SortedSet<string>> SetElements { get; } = new(StringComparer.Ordinal);

    /// <summary>Map name to its type and its elements, key to verdict.</summary>
    public SortedDictionary<string, NftMap> Maps { get; } = new(StringComparer.Ordinal);

    /// <summary>Chains that several Services' rules may use alike (the endpoint dispatch of one protocol and endpoint
    /// count), kept apart from <see cref="Chains"/> so that one Service's diff never deletes a chain another still
    /// uses: whoever assembles the table (<see cref="ProxyRules.Build"/>, <see cref="ProxyTableState"/>) puts each one
    /// in use into <see cref="Chains"/> once. <see cref="NftTransaction"/> and <see cref="NftChanges"/> ignore them.</summary>
    public SortedDictionary<string, List<string>> SharedChains { get; } = new(StringComparer.Ordinal);

    public List<string> Chain(string name)
    {
        if (!Chains.TryGetValue(name, out var rules))
        {
            rules = [];
            Chains[name] = rules;
        }

        return rules;
    }

    public void AddMap(string name, string type) => Maps[name] = new NftMap(type);

    public void AddSetElement(string set, string element)
    {
        if (!SetElements.TryGetValue(set, out var elements))
        {
            elements = new SortedSet<string>(StringComparer.Ordinal);
            SetElements[set] = elements;
        }

        elements.Add(element);
    }
}

/// <summary>A verdict map: its key and value type and key to verdict.</summary>
public sealed class NftMap(string type)
{
    public string Type { get; } = type;

    /// <summary>The map's declaration body: <c>type K : V;</c>, or the type as given when it is a <c>typeof</c>.</summary>
    public string Declaration => Type.StartsWith("typeof ", StringComparison.Ordinal) ? $"{Type};" : $"type {Type};";

    public SortedDictionary<string, string> Elements { get; } = new(StringComparer.Ordinal);
}
