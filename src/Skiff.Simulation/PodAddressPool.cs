using System.Net;

namespace Skiff.Simulation;

/// <summary>
/// One simulated node's pod addresses: host addresses of its pod CIDR (the network and broadcast addresses and the
/// first host, a bridge's gateway on a real node, are never handed out), one per pod key, the lowest free first.
/// Addresses pods already report (after a restart of the simulator) are adopted so they are not handed out twice.
/// </summary>
internal sealed class PodAddressPool
{
    private readonly Ipv4Cidr _range;
    private readonly Dictionary<string, IPAddress> _byPod = new(StringComparer.Ordinal);
    private readonly HashSet<IPAddress> _used = [];

    public PodAddressPool(Ipv4Cidr range)
    {
        _range = range;
    }

    private bool _seeded;

    /// <summary>Adopts, once per pool, the addresses the node's pods already report (<paramref name="held"/> is
    /// read only the first time).</summary>
    public void SeedOnce(Func<IEnumerable<(string PodKey, IPAddress Address)>> held)
    {
        ArgumentNullException.ThrowIfNull(held);
        lock (_byPod)
        {
            if (_seeded)
            {
                return;
            }

            _seeded = true;
            foreach (var (podKey, address) in held())
            {
                if (_byPod.TryAdd(podKey, address))
                {
                    _used.Add(address);
                }
            }
        }
    }

    /// <summary>Records that <paramref name="podKey"/> holds <paramref name="address"/> (from its status).</summary>
    public void Adopt(string podKey, IPAddress address)
    {
        lock (_byPod)
        {
            if (_byPod.TryAdd(podKey, address))
            {
                _used.Add(address);
            }
        }
    }

    /// <summary>The pod's address: the one it holds, else the lowest free; null when the range is full.</summary>
    public IPAddress? Assign(string podKey)
    {
        lock (_byPod)
        {
            if (_byPod.TryGetValue(podKey, out var held))
            {
                return held;
            }

            for (long offset = 2; offset < _range.Size - 1; offset++)
            {
                var candidate = _range.Address(offset);
                if (_used.Add(candidate))
                {
                    _byPod[podKey] = candidate;
                    return candidate;
                }
            }

            return null;
        }
    }

    public void Release(string podKey)
    {
        lock (_byPod)
        {
            if (_byPod.Remove(podKey, out var address))
            {
                _used.Remove(address);
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_byPod)
            {
                return _byPod.Count;
            }
        }
    }
}
