using System.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;

namespace Skiff.Networking.Dns;

/// <summary>
/// The DNS server: UDP and TCP on each listen address (ARSoft.Tools.Net's transports, which handle EDNS0 payload
/// sizes and set TC on UDP answers that do not fit), the cluster zone answered from the caches, every other name
/// forwarded upstream.
/// </summary>
public sealed class ClusterDnsServer : IAsyncDisposable
{
    private readonly ClusterZone _zone;
    private readonly UpstreamForwarder _forwarder;
    private readonly IReadOnlyList<IPEndPoint> _listen;
    private DnsServer? _server;
    private int _disposed;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();

    public ClusterDnsServer(ClusterDnsData data, ClusterDnsOptions options, IReadOnlyList<IPEndPoint> upstreams, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _zone = new ClusterZone(data, options, time);
        _forwarder = new UpstreamForwarder(upstreams, options, time, logger);
        _logger = logger;
        _listen = options.Listen;
    }

    /// <summary>Binds the sockets of every listen address; throws when one cannot be bound.</summary>
    public void Start()
    {
        var transports = _listen
            .SelectMany(endpoint => new IServerTransport[] { new UdpServerTransport(endpoint, 5000), new TcpServerTransport(endpoint, 5000, 120_000) })
            .ToArray();
        _server = new DnsServer(transports);
        _server.QueryReceived += OnQueryReceivedAsync;
        _server.ExceptionThrown += OnExceptionAsync;
        _server.Start();
    }

    /// <summary>The answer to <paramref name="query"/>, as the server sends it (also what tests and benchmarks
    /// call without sockets).</summary>
    public async Task<DnsMessage> AnswerAsync(DnsMessage query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var response = query.CreateResponseInstance();
        if (query.OperationCode != OperationCode.Query || query.Questions.Count != 1)
        {
            response.ReturnCode = query.OperationCode == OperationCode.Query ? ReturnCode.FormatError : ReturnCode.NotImplemented;
            return response;
        }

        var question = query.Questions[0];
        var zoneAnswer = question.RecordClass is RecordClass.INet or RecordClass.Any ? _zone.Answer(question.Name, question.RecordType) : null;
        if (zoneAnswer is null)
        {
            var forwarded = await _forwarder.ForwardAsync(question, cancellationToken);
            response.ReturnCode = forwarded.Code;
            response.IsRecursionAllowed = forwarded.RecursionAvailable;
            response.AnswerRecords.AddRange(forwarded.Answers);
            response.AuthorityRecords.AddRange(forwarded.Authority);
            response.AdditionalRecords.AddRange(forwarded.Additional);
            return response;
        }

        response.ReturnCode = zoneAnswer.Code;
        response.IsAuthoritiveAnswer = zoneAnswer.Authoritative;
        response.AnswerRecords.AddRange(zoneAnswer.Answers);
        response.AuthorityRecords.AddRange(zoneAnswer.Authority);
        response.AdditionalRecords.AddRange(zoneAnswer.Additional);
        if (zoneAnswer.ChaseTarget is { } target)
        {
            // An ExternalName's target outside the cluster: its addresses from upstream after the CNAME.
            var chased = await _forwarder.ForwardAsync(new DnsQuestion(target, question.RecordType, question.RecordClass), cancellationToken);
            if (chased.Code == ReturnCode.NoError)
            {
                response.AnswerRecords.AddRange(chased.Answers);
            }
        }

        return response;
    }

    private async Task OnQueryReceivedAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is not DnsMessage query)
        {
            return;
        }

        try
        {
            e.Response = await AnswerAsync(query, _stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private Task OnExceptionAsync(object sender, ExceptionEventArgs e)
    {
        _logger.LogDebug(e.Exception, "DNS server error");
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        _server?.Stop();
        _forwarder.Dispose();
        _stopping.Dispose();
    }
}
