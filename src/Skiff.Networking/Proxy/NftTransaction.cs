using System.Text;

namespace Skiff.Networking.Proxy;

/// <summary>
/// The text given to <c>nft -f -</c>, applied by the kernel as one atomic transaction. The first sync (and any sync
/// after a failure) replaces the whole table (<c>add table; delete table; table { ... }</c>: stale rules from an
/// earlier run go too); later ones change only what differs: new chains and sets added, changed chains flushed and
/// refilled, map elements deleted and added, chains, maps and sets no longer wanted deleted last (after whatever
/// referenced them was rewritten). Affinity sets are never flushed, so clients keep their endpoint across syncs.
/// </summary>
public static class NftTransaction
{
    public static string Full(NftRuleset rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        var t = rules.Table;
        var text = new StringBuilder();
        text.Append($"add table ip {t}\ndelete table ip {t}\nadd table ip {t} {{ comment \"skiff service proxy\"; }}\n");

        // Every chain, set and map is declared before anything refers to it.
        foreach (var name in rules.Chains.Keys)
        {
            text.Append(rules.Hooks.TryGetValue(name, out var hook) ? $"add chain ip {t} {name} {{ {hook} }}\n" : $"add chain ip {t} {name}\n");
        }

        foreach (var (name, body) in rules.Sets)
        {
            text.Append($"add set ip {t} {name} {{ {body} }}\n");
        }

        foreach (var (name, map) in rules.Maps)
        {
            text.Append($"add map ip {t} {name} {{ {map.Declaration} }}\n");
        }

        foreach (var (name, chainRules) in rules.Chains)
        {
            foreach (var rule in chainRules)
            {
                text.Append($"add rule ip {t} {name} {rule}\n");
            }
        }

        foreach (var (name, map) in rules.Maps.Where(m => m.Value.Elements.Count > 0))
        {
            text.Append($"add element ip {t} {name} {{ {string.Join(", ", map.Elements.Select(e => $"{e.Key} : {e.Value}"))} }}\n");
        }

        return text.ToString();
    }

    /// <summary>The changes from <paramref name="before"/> (what the kernel holds) to <paramref name="after"/>; empty
    /// when nothing changed. A change of base chains or of a kept map's type falls back to <see cref="Full"/>.</summary>
    public static string Incremental(NftRuleset before, NftRuleset after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        if (before.Table != after.Table
            || !before.Hooks.SequenceEqual(after.Hooks)
            || before.Maps.Any(m => after.Maps.TryGetValue(m.Key, out var kept) && kept.Type != m.Value.Type))
        {
            return Full(after);
        }

        var t = after.Table;
        var text = new StringBuilder();
        foreach (var (name, body) in after.Sets)
        {
            if (!before.Sets.TryGetValue(name, out var old))
            {
                text.Append($"add set ip {t} {name} {{ {body} }}\n");
            }
            else if (old != body)
            {
                // A new timeout: the set is re-created (it cannot be changed in place).
                text.Append($"delete set ip {t} {name}\nadd set ip {t} {name} {{ {body} }}\n");
            }
        }

        foreach (var (name, map) in after.Maps.Where(m => !before.Maps.ContainsKey(m.Key)))
        {
            text.Append($"add map ip {t} {name} {{ {map.Declaration} }}\n");
        }

        // New chains are declared before any rule is written: a rule may jump to a chain that sorts after its own.
        foreach (var name in after.Chains.Keys.Where(c => !before.Chains.ContainsKey(c)))
        {
            text.Append($"add chain ip {t} {name}\n");
        }

        foreach (var (name, rules) in after.Chains)
        {
            var exists = before.Chains.TryGetValue(name, out var old);
            if (exists && old!.SequenceEqual(rules))
            {
                continue;
            }

            if (exists)
            {
                text.Append($"flush chain ip {t} {name}\n");
            }

            foreach (var rule in rules)
            {
                text.Append($"add rule ip {t} {name} {rule}\n");
            }
        }

        foreach (var (name, map) in after.Maps)
        {
            var old = before.Maps.TryGetValue(name, out var kept) ? kept.Elements : new SortedDictionary<string, string>(StringComparer.Ordinal);
            var removed = old.Where(e => !map.Elements.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => e.Key).ToList();
            var added = map.Elements.Where(e => !old.TryGetValue(e.Key, out var v) || v != e.Value).ToList();
            if (removed.Count > 0)
            {
                text.Append($"delete element ip {t} {name} {{ {string.Join(", ", removed)} }}\n");
            }

            if (added.Count > 0)
            {
                text.Append($"add element ip {t} {name} {{ {string.Join(", ", added.Select(e => $"{e.Key} : {e.Value}"))} }}\n");
            }
        }

        foreach (var name in before.Chains.Keys.Where(c => !after.Chains.ContainsKey(c)))
        {
            // Flushed first: a chain still holding rules (jumps to other doomed chains) cannot be deleted.
            text.Append($"flush chain ip {t} {name}\n");
        }

        // Maps no longer wanted go after the rules that looked them up were flushed, and before the chains their
        // elements jump to.
        foreach (var name in before.Maps.Keys.Where(m => !after.Maps.ContainsKey(m)))
        {
            text.Append($"delete map ip {t} {name}\n");
        }

        foreach (var name in before.Chains.Keys.Where(c => !after.Chains.ContainsKey(c)))
        {
            text.Append($"delete chain ip {t} {name}\n");
        }

        foreach (var name in before.Sets.Keys.Where(s => !after.Sets.ContainsKey(s)))
        {
            text.Append($"delete set ip {t} {name}\n");
        }

        return text.ToString();
    }
}
