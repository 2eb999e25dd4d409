namespace Skiff.Networking.Proxy;

/// <summary>
/// What the proxy knows of its table between syncs, as kube-proxy's nftables mode keeps it: the Services that
/// changed since the last sync (told by the informer events, <see cref="Changed"/>), and each Service's rendered
/// chains and map elements (<see cref="ProxyRules.ServiceFragment"/>), so that a sync renders only the changed
/// Services and writes a transaction the size of the change: their elements of the shared maps deleted and added
/// (for a plain port, nothing else), their own chains flushed and refilled or deleted, and the dispatch chains they
/// share added when the first Service uses one and deleted after the last. The table's own
/// chains (skeleton, pod egress, other components' chains) are small and diffed whole. The first sync, and the one
/// after a failed apply (the kernel state is then unknown), replaces the table whole from every fragment.
/// </summary>
public sealed class ProxyTableState(string table, string? localPodCidr)
{
    private readonly object _lock = new();
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NftRuleset> _fragments = new(StringComparer.Ordinal);

    // How many fragments hold each plain-set element ("set\nelement"): an endpoint of two Services is one element.
    private readonly Dictionary<string, int> _setElementUsers = new(StringComparer.Ordinal);

    // The dispatch chains the fragments share (NftRuleset.SharedChains), with how many fragments use each; the same
    // rule list object every sync, so that the diff of the table's own chains skips them at once.
    private readonly Dictionary<string, (List<string> Rules, int Users)> _sharedChains = new(StringComparer.Ordinal);
    private readonly NftRuleset _emptyFragment = ProxyRules.ServiceFragment([], table, localPodCidr);
    private NftRuleset? _appliedBase;

    public string Table => table;

    /// <summary>Services with at least one programmed port.</summary>
    public int Services => _fragments.Count;

    /// <summary>False until a transaction was applied, and again after a failed one: the next is a full sync.</summary>
    public bool InSync => _appliedBase is not null;

    /// <summary>Notes that Service <paramref name="serviceKey"/> (<c>ns/name</c>), or one of its EndpointSlices,
    /// changed. Safe from any thread (informer handlers).</summary>
    public void Changed(string serviceKey)
    {
        lock (_lock)
        {
            _changed.Add(serviceKey);
        }
    }

    /// <summary>
    /// Renders the Services changed since the last call with <paramref name="portsOf"/> (what the caches now say
    /// about a Service key; empty when it is gone or not proxied) and returns the transaction from what the kernel
    /// holds to that state with the table's own chains <paramref name="wantedBase"/> (to which it adds the dispatch
    /// chains the Services share); its text is empty when nothing changed. Call <see cref="Applied"/> or <see cref="Failed"/> with its outcome.
    /// </summary>
    public ProxySync Prepare(Func<string, IReadOnlyList<ProxiedPort>> portsOf, NftRuleset wantedBase)
    {
        ArgumentNullException.ThrowIfNull(portsOf);
        ArgumentNullException.ThrowIfNull(wantedBase);
        string[] changed;
        lock (_lock)
        {
            changed = [.. _changed];
            _changed.Clear();
        }

        var diffs = new List<(NftRuleset Before, NftRuleset After)>(changed.Length);
        foreach (var key in changed)
        {
            var ports = portsOf(key);
            var after = ports.Count == 0 ? null : ProxyRules.ServiceFragment(ports, table, localPodCidr);
            _fragments.TryGetValue(key, out var before);
            if (after is null)
            {
                _fragments.Remove(key);
            }
            else
            {
                _fragments[key] = after;
            }

            if (before is not null || after is not null)
            {
                diffs.Add((before ?? _emptyFragment, after ?? _emptyFragment));
            }
        }

        var setChanges = CountSetElements(diffs);
        CountSharedChains(diffs);
        foreach (var (name, (rules, _)) in _sharedChains)
        {
            wantedBase.Chains[name] = rules;
        }

        if (_appliedBase is null || NftTransaction.NeedsFull(_appliedBase, wantedBase))
        {
            return new ProxySync(NftTransaction.Full([wantedBase, .. _fragments.Values]), wantedBase, changed.Length, Full: true);
        }

        var changes = new NftChanges(table);
        changes.Add(_appliedBase, wantedBase);
        foreach (var (before, after) in diffs)
        {
            changes.Add(before, after, setElements: false);
        }

        foreach (var (set, (gone, come)) in setChanges)
        {
            changes.DeleteElements(set, gone);
            changes.AddElements(set, come);
        }

        return new ProxySync(changes.ToString(), wantedBase, changed.Length, Full: false);
    }

    private void CountSharedChains(List<(NftRuleset Before, NftRuleset After)> diffs)
    {
        foreach (var (before, after) in diffs)
        {
            foreach (var (name, rules) in after.SharedChains)
            {
                _sharedChains[name] = _sharedChains.TryGetValue(name, out var kept) ? (kept.Rules, kept.Users + 1) : (rules, 1);
            }

            foreach (var name in before.SharedChains.Keys)
            {
                var (rules, users) = _sharedChains[name];
                if (users == 1)
                {
                    _sharedChains.Remove(name);
                }
                else
                {
                    _sharedChains[name] = (rules, users - 1);
                }
            }
        }
    }

    /// <summary>Counts the changed fragments' plain-set elements; per set, the elements no fragment holds any more
    /// and those that no fragment held before.</summary>
    private SortedDictionary<string, (List<string> Gone, List<string> Come)> CountSetElements(List<(NftRuleset Before, NftRuleset After)> diffs)
    {
        var touched = new Dictionary<string, int>(StringComparer.Ordinal);
        void Count(NftRuleset fragment, int delta)
        {
            foreach (var (set, elements) in fragment.SetElements)
            {
                foreach (var element in elements)
                {
                    var key = set + "\n" + element;
                    var users = _setElementUsers.GetValueOrDefault(key);
                    touched.TryAdd(key, users);
                    if (users + delta == 0)
                    {
                        _setElementUsers.Remove(key);
                    }
                    else
                    {
                        _setElementUsers[key] = users + delta;
                    }
                }
            }
        }

        foreach (var (before, after) in diffs)
        {
            Count(before, -1);
            Count(after, +1);
        }

        var result = new SortedDictionary<string, (List<string> Gone, List<string> Come)>(StringComparer.Ordinal);
        foreach (var (key, was) in touched)
        {
            var now = _setElementUsers.GetValueOrDefault(key);
            if ((was > 0) == (now > 0))
            {
                continue;
            }

            var cut = key.IndexOf('\n', StringComparison.Ordinal);
            if (!result.TryGetValue(key[..cut], out var lists))
            {
                lists = ([], []);
                result[key[..cut]] = lists;
            }

            (now > 0 ? lists.Come : lists.Gone).Add(key[(cut + 1)..]);
        }

        foreach (var (gone, come) in result.Values)
        {
            gone.Sort(StringComparer.Ordinal);
            come.Sort(StringComparer.Ordinal);
        }

        return result;
    }

    /// <summary>The kernel now holds <paramref name="sync"/>'s state.</summary>
    public void Applied(ProxySync sync)
    {
        ArgumentNullException.ThrowIfNull(sync);
        _appliedBase = sync.Base;
    }

    /// <summary>The transaction was refused: the kernel kept the previous state, which the fragments no longer
    /// describe, so the next sync replaces the table whole.</summary>
    public void Failed() => _appliedBase = null;
}

/// <summary>One sync's transaction text (empty: nothing to do), the table's own chains it brings, how many Services
/// it re-rendered, and whether it replaces the table whole.</summary>
public sealed record ProxySync(string Text, NftRuleset Base, int ChangedServices, bool Full);
