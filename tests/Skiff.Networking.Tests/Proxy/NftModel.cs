using System.Text;
using System.Text.RegularExpressions;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>
/// The kernel's view of one <c>ip</c> table, for the subset of nft commands the proxy writes, applied line by line
/// with the kernel's refusals: a rule or element naming a chain, set or map that does not exist, a chain deleted
/// while it holds rules or is referenced, an element deleted that is not there, a map key added again with another
/// value. Lets a test compare what a series of incremental transactions leaves with what a full one writes.
/// </summary>
internal sealed partial class NftModel
{
    private readonly SortedDictionary<string, List<string>> _chains = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _hooks = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _sets = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, SortedDictionary<string, string>> _elements = new(StringComparer.Ordinal);
    private bool _exists;

    public void Apply(string transaction)
    {
        foreach (var line in transaction.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Execute(line);
        }
    }

    private void Execute(string line)
    {
        var m = Command().Match(line);
        if (!m.Success)
        {
            throw new InvalidOperationException("not understood: " + line);
        }

        var (verb, kind, name, rest) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value.Trim());
        if (kind == "table")
        {
            if (verb == "delete")
            {
                Require(_exists, line);
                _chains.Clear();
                _hooks.Clear();
                _sets.Clear();
                _elements.Clear();
            }

            _exists = verb == "add";
            return;
        }

        Require(_exists, line);
        switch (verb, kind)
        {
            case ("add", "chain"):
                if (!_chains.ContainsKey(name))
                {
                    _chains[name] = [];
                    if (rest.Length > 0)
                    {
                        _hooks[name] = rest;
                    }
                }

                break;
            case ("flush", "chain"):
                Require(_chains.TryGetValue(name, out var flushed), line);
                flushed!.Clear();
                break;
            case ("delete", "chain"):
                Require(_chains.TryGetValue(name, out var doomed) && doomed.Count == 0 && !Referenced(name), line);
                _chains.Remove(name);
                _hooks.Remove(name);
                break;
            case ("add", "set" or "map"):
                if (!_sets.ContainsKey(name))
                {
                    _sets[name] = kind + " " + rest;
                    _elements[name] = new(StringComparer.Ordinal);
                }

                break;
            case ("delete", "set" or "map"):
                Require(_sets.ContainsKey(name) && !_chains.Values.Any(r => r.Any(x => x.Contains("@" + name, StringComparison.Ordinal))), line);
                _sets.Remove(name);
                _elements.Remove(name);
                break;
            case ("add", "rule"):
                Require(_chains.TryGetValue(name, out var rules), line);
                foreach (Match target in Target().Matches(rest))
                {
                    Require(target.Groups[1].Value == "@" ? _sets.ContainsKey(target.Groups[2].Value) : _chains.ContainsKey(target.Groups[2].Value), line);
                }

                rules!.Add(rest);
                break;
            case ("add" or "delete", "element"):
                Require(_elements.TryGetValue(name, out var elements), line);
                foreach (var element in rest.Trim('{', '}', ' ').Split(", "))
                {
                    var colon = element.IndexOf(" : ", StringComparison.Ordinal);
                    var key = colon < 0 ? element : element[..colon];
                    var value = colon < 0 ? string.Empty : element[(colon + 3)..];
                    if (verb == "delete")
                    {
                        Require(elements!.Remove(key), line);
                        continue;
                    }

                    Require(!elements!.TryGetValue(key, out var old) || old == value, line);
                    Require(!value.StartsWith("goto ", StringComparison.Ordinal) || _chains.ContainsKey(value[5..]), line);
                    elements[key] = value;
                }

                break;
            default:
                throw new InvalidOperationException("not understood: " + line);
        }
    }

    private bool Referenced(string chain) =>
        _chains.Values.Any(r => r.Any(x => x.EndsWith("goto " + chain, StringComparison.Ordinal) || x.EndsWith("jump " + chain, StringComparison.Ordinal)))
        || _elements.Values.Any(e => e.ContainsValue("goto " + chain));

    private static void Require(bool condition, string line)
    {
        if (!condition)
        {
            throw new InvalidOperationException("the kernel refuses: " + line);
        }
    }

    /// <summary>The table in a canonical form: chains with their rules in order, sets and maps with their elements.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (name, rules) in _chains)
        {
            text.Append($"chain {name} {_hooks.GetValueOrDefault(name)}\n");
            rules.ForEach(r => text.Append("  ").Append(r).Append('\n'));
        }

        foreach (var (name, body) in _sets)
        {
            text.Append($"{body} {name}: {string.Join(", ", _elements[name].Select(e => e.Value.Length == 0 ? e.Key : $"{e.Key} : {e.Value}"))}\n");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^(add|delete|flush) (table|chain|set|map|rule|element) ip \S+(?: (\S+))?(.*)$")]
    private static partial Regex Command();

    [GeneratedRegex(@"(@|goto |jump )([^\s{}]+)")]
    private static partial Regex Target();
}
