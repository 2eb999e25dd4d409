namespace Skiff.Controllers.NodeLifecycle;

/// <summary>
/// Upstream's RateLimitedTimedQueue: nodes waiting for their NoExecute taint, taken in order, each only when the
/// zone's token bucket (burst 1) has a token. A rate of zero takes none.
/// </summary>
public sealed class RateLimitedNodeQueue
{
    private readonly TimeProvider _time;
    private readonly List<(string Node, DateTimeOffset ProcessAt)> _items = [];
    private double _qps;
    private double _tokens = 1;
    private DateTimeOffset _last;

    public RateLimitedNodeQueue(double qps, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _qps = qps;
        _last = time.GetUtcNow();
    }

    public double Qps => _qps;

    public IReadOnlyList<string> Nodes => _items.Select(i => i.Node).ToList();

    /// <summary>Queues <paramref name="node"/> unless it is already queued; false when it was.</summary>
    public bool Add(string node)
    {
        if (_items.Any(i => i.Node == node))
        {
            return false;
        }

        _items.Add((node, _time.GetUtcNow()));
        return true;
    }

    public bool Remove(string node) => _items.RemoveAll(i => i.Node == node) > 0;

    /// <summary>A new rate; the bucket starts empty-ish as upstream's swap does (a fresh limiter with one token).</summary>
    public void SwapLimiter(double qps)
    {
        if (Math.Abs(_qps - qps) < 1e-9)
        {
            return;
        }

        _qps = qps;
        _tokens = qps > 0 ? 1 : 0;
        _last = _time.GetUtcNow();
    }

    /// <summary>Processes due nodes while tokens last: <paramref name="process"/> returns true when done with a node,
    /// or false and a retry delay.</summary>
    public async Task TryAsync(Func<string, Task<(bool Done, TimeSpan Retry)>> process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var now = _time.GetUtcNow();
        foreach (var item in _items.Where(i => i.ProcessAt <= now).OrderBy(i => i.ProcessAt).ToList())
        {
            if (!TryAccept(now))
            {
                return;
            }

            var (done, retry) = await process(item.Node);
            _items.Remove(item);
            if (!done)
            {
                _items.Add((item.Node, now + retry));
            }
        }
    }

    private bool TryAccept(DateTimeOffset now)
    {
        if (_qps <= 0)
        {
            return false;
        }

        _tokens = Math.Min(1, _tokens + ((now - _last).TotalSeconds * _qps));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
