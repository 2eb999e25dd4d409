using System.Text;

namespace Skiff.Networking.Proxy;

/// <summary>
/// One incremental transaction made of the differences of several rulesets (the table's own chains and each
/// changed Service's), written in phases so that the parts never step on each other: (1) new sets, maps and chains
/// declared (a rule may jump to a chain that comes later); (2) map elements that go or change deleted, in every
/// part, before (3) chains that changed are flushed and refilled, new chains filled and elements added (so that a
/// key moving from one Service to another, a reused ClusterIP, is deleted before it is added again); (4) chains no
/// longer wanted flushed, then maps, chains and sets no longer wanted deleted, after whatever referenced them was
/// rewritten. A chain whose rules are the same list object as before (a Service that did not change) costs nothing.
/// </summary>
public sealed class NftChanges(string table)
{
    private readonly StringBuilder _declare = new();
    private readonly StringBuilder _deleteElements = new();
    private readonly StringBuilder _write = new();
    private readonly StringBuilder _flushDoomed = new();
    private readonly StringBuilder _deleteMaps = new();
    private readonly StringBuilder _deleteChains = new();
    private readonly StringBuilder _deleteSets = new();

    public bool IsEmpty => Length == 0;

    public int Length => _declare.Length + _deleteElements.Length + _write.Length + _flushDoomed.Length + _deleteMaps.Length + _deleteChains.Length + _deleteSets.Length;

    /// <summary>Adds what turns <paramref name="before"/> into <paramref name="after"/> (both of this table, with the
    /// same base chains: see <see cref="NftTransaction.NeedsFull"/>). <paramref name="setElements"/> false leaves the
    /// elements of plain sets to the caller (elements shared by several parts are counted by it).</summary>
    public void Add(NftRuleset before, NftRuleset after, bool setElements = true)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var t = table;
        foreach (var (name, body) in after.Sets)
        {
            if (!before.Sets.TryGetValue(name, out var old))
            {
                _declare.Append($"add set ip {t} {name} {{ {body} }}\n");
            }
            else if (old != body)
            {
                // A new timeout: the set is re-created (it cannot be changed in place).
                _declare.Append($"delete set ip {t} {name}\nadd set ip {t} {name} {{ {body} }}\n");
            }
        }

        foreach (var (name, map) in after.Maps.Where(m => !before.Maps.ContainsKey(m.Key)))
        {
            _declare.Append($"add map ip {t} {name} {{ {map.Declaration} }}\n");
        }

        foreach (var name in after.Chains.Keys.Where(c => !before.Chains.ContainsKey(c)))
        {
            _declare.Append($"add chain ip {t} {name}\n");
        }

        foreach (var (name, rules) in after.Chains)
        {
            var exists = before.Chains.TryGetValue(name, out var old);
            if (exists && (ReferenceEquals(old, rules) || old!.SequenceEqual(rules)))
            {
                continue;
            }

            if (exists)
            {
                _write.Append($"flush chain ip {t} {name}\n");
            }

            foreach (var rule in rules)
            {
                _write.Append($"add rule ip {t} {name} {rule}\n");
            }
        }

        foreach (var (name, map) in after.Maps)
        {
            var old = before.Maps.TryGetValue(name, out var kept) ? kept.Elements : new SortedDictionary<string, string>(StringComparer.Ordinal);
            var removed = old.Where(e => !map.Elements.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => e.Key).ToList();
            var added = map.Elements.Where(e => !old.TryGetValue(e.Key, out var v) || v != e.Value).ToList();
            if (removed.Count > 0)
            {
                _deleteElements.Append($"delete element ip {t} {name} {{ {string.Join(", ", removed)} }}\n");
            }

            if (added.Count > 0)
            {
                _write.Append($"add element ip {t} {name} {{ {string.Join(", ", added.Select(e => $"{e.Key} : {e.Value}"))} }}\n");
            }
        }

        if (setElements)
        {
            var none = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var name in before.SetElements.Keys.Union(after.SetElements.Keys, StringComparer.Ordinal))
            {
                var old = before.SetElements.GetValueOrDefault(name) ?? none;
                var now = after.SetElements.GetValueOrDefault(name) ?? none;
                if (after.Sets.ContainsKey(name))
                {
                    DeleteElements(name, old.Except(now, StringComparer.Ordinal));
                }

                AddElements(name, now.Except(old, StringComparer.Ordinal));
            }
        }

        foreach (var name in before.Chains.Keys.Where(c => !after.Chains.ContainsKey(c)))
        {
            // Flushed first: a chain still holding rules (jumps to other doomed chains) cannot be deleted.
            _flushDoomed.Append($"flush chain ip {t} {name}\n");
            _deleteChains.Append($"delete chain ip {t} {name}\n");
        }

        // Maps no longer wanted go after the rules that looked them up were flushed, and before the chains their
        // elements jump to.
        foreach (var name in before.Maps.Keys.Where(m => !after.Maps.ContainsKey(m)))
        {
            _deleteMaps.Append($"delete map ip {t} {name}\n");
        }

        foreach (var name in before.Sets.Keys.Where(s => !after.Sets.ContainsKey(s)))
        {
            _deleteSets.Append($"delete set ip {t} {name}\n");
        }
    }

    /// <summary>Elements of a plain set that go (with the other element deletions, before any rule changes).</summary>
    public void DeleteElements(string set, IEnumerable<string> elements)
    {
        var list = elements.ToList();
        if (list.Count > 0)
        {
            _deleteElements.Append($"delete element ip {table} {set} {{ {string.Join(", ", list)} }}\n");
        }
    }

    /// <summary>Elements of a plain set that come.</summary>
    public void AddElements(string set, IEnumerable<string> elements)
    {
        var list = elements.ToList();
        if (list.Count > 0)
        {
            _write.Append($"add element ip {table} {set} {{ {string.Join(", ", list)} }}\n");
        }
    }

    public override string ToString() =>
        new StringBuilder(Length).Append(_declare).Append(_deleteElements).Append(_write).Append(_flushDoomed)
            .Append(_deleteMaps).Append(_deleteChains).Append(_deleteSets).ToString();
}
