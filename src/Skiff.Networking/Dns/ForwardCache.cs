using System.Collections.Concurrent;
using ARSoft.Tools.Net.Dns;

namespace Skiff.Networking.Dns;

/// <summary>
/// Upstream answers by question, each kept for the smallest TTL of its records (the SOA minimum for a negative
/// answer), at most the configured maximum; bounded in size (when full, expired entries go, then everything, which
/// is simple and rare).
/// </summary>
internal sealed class ForwardCache
{
    private readonly ConcurrentDictionary<(string Name, RecordType Type, RecordClass Class), Entry> _entries = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxTtl;
    private readonly int _capacity;

    public ForwardCache(TimeProvider time, TimeSpan maxTtl, int capacity)
    {
        _time = time;
        _maxTtl = maxTtl;
        _capacity = capacity;
    }

    public int Count => _entries.Count;

    public CachedAnswer? Get(DnsQuestion question)
    {
        if (_entries.TryGetValue(Key(question), out var entry) && entry.Expires > _time.GetUtcNow())
        {
            return entry.Answer;
        }

        return null;
    }

    public void Put(DnsQuestion question, DnsMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.ReturnCode is not (ReturnCode.NoError or ReturnCode.NxDomain) || response.IsTruncated)
        {
            return; // failures are not cached, so that the next query tries again
        }

        var ttls = response.AnswerRecords.Select(r => r.TimeToLive)
            .Concat(response.AnswerRecords.Count == 0 ? response.AuthorityRecords.OfType<SoaRecord>().Select(s => Math.Min(s.TimeToLive, s.NegativeCachingTTL)) : [])
            .ToList();
        var ttl = TimeSpan.FromSeconds(ttls.Count == 0 ? 0 : Math.Max(0, ttls.Min()));
        if (ttl > _maxTtl)
        {
            ttl = _maxTtl;
        }

        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        if (_entries.Count >= _capacity)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, value) in _entries)
            {
                if (value.Expires <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= _capacity)
            {
                _entries.Clear();
            }
        }

        var answer = new CachedAnswer(response.ReturnCode, response.IsRecursionAllowed, [.. response.AnswerRecords], [.. response.AuthorityRecords], [.. response.AdditionalRecords.Where(r => r is not OptRecord)]);
        _entries[Key(question)] = new Entry(answer, _time.GetUtcNow() + ttl);
    }

    private static (string, RecordType, RecordClass) Key(DnsQuestion question) =>
        (question.Name.ToString().ToLowerInvariant(), question.RecordType, question.RecordClass);

    private sealed record Entry(CachedAnswer Answer, DateTimeOffset Expires);
}

/// <summary>An upstream answer as cached: its rcode and sections.</summary>
internal sealed record CachedAnswer(
    ReturnCode Code,
    bool RecursionAvailable,
    IReadOnlyList<DnsRecordBase> Answers,
    IReadOnlyList<DnsRecordBase> Authority,
    IReadOnlyList<DnsRecordBase> Additional);
