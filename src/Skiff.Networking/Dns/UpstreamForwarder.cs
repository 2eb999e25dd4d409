using System.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Skiff.Networking.Dns;

/// <summary>
/// Names outside the cluster go to the host's resolvers (CoreDNS's <c>forward . /etc/resolv.conf</c> with
/// <c>cache 30</c>): each resolver is tried in turn with a timeout; SERVFAIL when none answers. Answers are cached.
/// </summary>
internal sealed class UpstreamForwarder : IDisposable
{
    private readonly IReadOnlyList<DnsClient> _clients;
    private readonly ForwardCache _cache;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;

    public UpstreamForwarder(IReadOnlyList<IPEndPoint> upstreams, ClusterDnsOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        Upstreams = upstreams;
        _timeout = options.ForwardTimeout;
        _cache = new ForwardCache(time, options.MaxCacheTtl, options.CacheCapacity);
        _logger = logger;
        var timeoutMs = (int)options.ForwardTimeout.TotalMilliseconds;
        _clients = upstreams
            .Select(u => new DnsClient([u.Address], [new UdpClientTransport(u.Port), new TcpClientTransport(u.Port)], disposeTransport: true, queryTimeout: timeoutMs))
            .ToList();
    }

    public IReadOnlyList<IPEndPoint> Upstreams { get; }

    public int CachedAnswers => _cache.Count;

    public async Task<CachedAnswer> ForwardAsync(DnsQuestion question, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(question);
        if (_cache.Get(question) is { } cached)
        {
            return cached;
        }

        for (var i = 0; i < _clients.Count; i++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_timeout);
            try
            {
                var response = await _clients[i].ResolveAsync(question.Name, question.RecordType, question.RecordClass, null, timeout.Token);
                if (response is null || response.ReturnCode is ReturnCode.ServerFailure or ReturnCode.Refused)
                {
                    continue;
                }

                _cache.Put(question, response);
                return new CachedAnswer(response.ReturnCode, response.IsRecursionAllowed, [.. response.AnswerRecords], [.. response.AuthorityRecords], [.. response.AdditionalRecords.Where(r => r is not OptRecord)]);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogDebug("upstream {Upstream} did not answer {Name} in time", Upstreams[i], question.Name);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                _logger.LogDebug(e, "upstream {Upstream} failed for {Name}", Upstreams[i], question.Name);
            }
        }

        return new CachedAnswer(ReturnCode.ServerFailure, true, [], [], []);
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            (client as IDisposable)?.Dispose();
        }
    }
}
