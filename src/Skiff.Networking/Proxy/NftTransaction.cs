using System.Text;

namespace Skiff.Networking.Proxy;

/// <summary>
/// The text given to <c>nft -f -</c>, applied by the kernel as one atomic transaction. The first sync (and any sync
/// after a failure) replaces the whole table (<c>add table; delete table; table { ... }</c>: stale rules from an
/// earlier run go too); later ones change only what differs (<see cref="NftChanges"/>). Affinity sets are never
/// flushed, so clients keep their endpoint across syncs.
/// </summary>
public static class NftTransaction
{
    public static string Full(NftRuleset rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return Full([rules]);
    }

    /// <summary>The whole table from several parts (the table's own chains first, then each Service's): every chain,
    /// set and map of each part, a map declared once however many parts hold elements of it.</summary>
    public static string Full(IReadOnlyList<NftRuleset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var t = parts[0].Table;
        var text = new StringBuilder();
        text.Append($"add table ip {t}\ndelete table ip {t}\nadd table ip {t} {{ comment \"skiff service proxy\"; }}\n");

        // Every chain, set and map is declared before anything refers to it.
        foreach (var part in parts)
        {
            foreach (var name in part.Chains.Keys)
            {
                text.Append(part.Hooks.TryGetValue(name, out var hook) ? $"add chain ip {t} {name} {{ {hook} }}\n" : $"add chain ip {t} {name}\n");
            }

            foreach (var (name, body) in part.Sets)
            {
                text.Append($"add set ip {t} {name} {{ {body} }}\n");
            }
        }

        // Each map's elements, written straight into one list per map (tens of thousands at 10,000 Services).
        var elements = new Dictionary<string, StringBuilder>(StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var (name, map) in part.Maps)
            {
                if (!elements.ContainsKey(name))
                {
                    elements[name] = new StringBuilder();
                    text.Append($"add map ip {t} {name} {{ {map.Declaration} }}\n");
                }
            }
        }

        foreach (var part in parts)
        {
            foreach (var (name, chainRules) in part.Chains)
            {
                foreach (var rule in chainRules)
                {
                    text.Append($"add rule ip {t} {name} {rule}\n");
                }
            }

            foreach (var (name, map) in part.Maps)
            {
                if (map.Elements.Count == 0)
                {
                    continue;
                }

                var list = elements[name];
                foreach (var (key, value) in map.Elements)
                {
                    (list.Length == 0 ? list : list.Append(", ")).Append(key).Append(" : ").Append(value);
                }
            }
        }

        // A set element may come from several parts (an endpoint of two Services): once.
        foreach (var set in parts.SelectMany(p => p.SetElements).GroupBy(s => s.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var name = set.Key;
            var all = set.SelectMany(s => s.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (all.Count > 0)
            {
                text.Append($"add element ip {t} {name} {{ {string.Join(", ", all)} }}\n");
            }
        }

        foreach (var (name, list) in elements.Where(e => e.Value.Length > 0).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            text.Append($"add element ip {t} {name} {{ ").Append(list).Append(" }\n");
        }

        return text.ToString();
    }

    /// <summary>The changes from <paramref name="before"/> (what the kernel holds) to <paramref name="after"/>; empty
    /// when nothing changed. A change of base chains or of a kept map's type falls back to <see cref="Full(NftRuleset)"/>.</summary>
    public static string Incremental(NftRuleset before, NftRuleset after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (NeedsFull(before, after))
        {
            return Full(after);
        }

        var changes = new NftChanges(after.Table);
        changes.Add(before, after);
        return changes.ToString();
    }

    /// <summary>True when <paramref name="after"/> cannot be reached from <paramref name="before"/> by changing
    /// chains, sets and elements: another table, other base chains, or a kept map whose type changed.</summary>
    public static bool NeedsFull(NftRuleset before, NftRuleset after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return before.Table != after.Table
            || !before.Hooks.SequenceEqual(after.Hooks)
            || before.Maps.Any(m => after.Maps.TryGetValue(m.Key, out var kept) && kept.Type != m.Value.Type);
    }
}
