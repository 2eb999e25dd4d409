using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Events;

/// <summary>
/// Writes the events of a process's recorders to the API as core/v1 Events (client-go's EventBroadcaster with its
/// sink): one bounded queue (1000; events beyond it are dropped, never blocking the component), correlated by
/// <see cref="EventCorrelator"/>, created as <c>&lt;object&gt;.&lt;hex nanoseconds&gt;</c> or counted on the
/// existing event with a PATCH of count, lastTimestamp and message. A write that fails is retried a few times.
/// </summary>
public sealed class EventBroadcaster : IAsyncDisposable
{
    private const int QueueLength = 1000;
    private const int Attempts = 3;

    private readonly Channel<Corev1Event> _queue = Channel.CreateBounded<Corev1Event>(
        new BoundedChannelOptions(QueueLength) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EventCorrelator _correlator;
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public EventBroadcaster(IApiClient api, TimeProvider time, ILogger logger, EventCorrelator? correlator = null)
    {
        _api = api;
        _time = time;
        _logger = logger;
        _correlator = correlator ?? new EventCorrelator(time);
    }

    /// <summary>Events written so far (created or counted).</summary>
    public long Written { get; private set; }

    /// <summary>Events dropped: a full queue or the correlator's rate limit.</summary>
    public long Dropped { get; private set; }

    /// <summary>A recorder for one component (e.g. <c>default-scheduler</c>, <c>kubelet</c>) on one host.</summary>
    public IEventRecorder NewRecorder(string component, string? host = null) => new Recorder(this, component, host);

    /// <summary>Starts writing in the background until disposal.</summary>
    public void Start()
    {
        _running ??= Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Stops after writing what is queued (for up to <paramref name="flushTimeout"/>, 2 s by default).</summary>
    public async Task StopAsync(TimeSpan? flushTimeout = null)
    {
        _queue.Writer.TryComplete();
        if (_running is null)
        {
            return;
        }

        _stop.CancelAfter(flushTimeout ?? TimeSpan.FromSeconds(2));
        await _running;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    internal void Enqueue(Corev1Event e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            Dropped++;
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                var decision = _correlator.Correlate(e);
                if (decision is null)
                {
                    Dropped++;
                    continue;
                }

                await WriteAsync(decision, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task WriteAsync(EventCorrelator.Decision decision, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                string name;
                if (decision.IsUpdate && decision.Name is not null)
                {
                    name = await CountAsync(decision, cancellationToken);
                }
                else
                {
                    name = await CreateAsync(decision, cancellationToken);
                }

                _correlator.Written(decision, name);
                Written++;
                return;
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                return; // written by an earlier attempt whose answer was lost
            }
            catch (ApiException e) when (attempt < Attempts && !e.IsForbidden && !e.IsInvalid)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, cancellationToken);
            }
            catch (ApiException e)
            {
                _logger.LogWarning("could not write event {Reason} about {Kind} {Name}: {Error}", decision.Event.Reason, decision.Event.InvolvedObject?.Kind, decision.Event.InvolvedObject?.Name, e.Message);
                _correlator.Forget(decision);
                return;
            }
        }
    }

    private async Task<string> CreateAsync(EventCorrelator.Decision decision, CancellationToken cancellationToken)
    {
        var e = decision.Event;
        var at = decision.Last;
        e.Metadata = new V1ObjectMeta
        {
            Name = $"{e.InvolvedObject.Name}.{(at.ToUnixTimeMilliseconds() * 1_000_000 + Random.Shared.Next(1_000_000)).ToString("x", CultureInfo.InvariantCulture)}",
            NamespaceProperty = string.IsNullOrEmpty(e.InvolvedObject.NamespaceProperty) ? "default" : e.InvolvedObject.NamespaceProperty,
        };
        e.Count = decision.Count;
        e.FirstTimestamp = decision.First.UtcDateTime;
        e.LastTimestamp = at.UtcDateTime;
        var created = await _api.CreateForMetadataAsync(e, cancellationToken);
        return created.Name;
    }

    private async Task<string> CountAsync(EventCorrelator.Decision decision, CancellationToken cancellationToken)
    {
        var e = decision.Event;
        var ns = string.IsNullOrEmpty(e.InvolvedObject.NamespaceProperty) ? "default" : e.InvolvedObject.NamespaceProperty;
        var patch = KubernetesJson.Serialize(new Dictionary<string, object?>
        {
            ["count"] = decision.Count,
            ["lastTimestamp"] = decision.Last.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["message"] = e.Message,
        });
        try
        {
            await _api.PatchAsync<Corev1Event>(ns, decision.Name!, ApiPatch.StrategicMerge(patch), cancellationToken);
            return decision.Name!;
        }
        catch (ApiException notFound) when (notFound.IsNotFound)
        {
            // The event expired (events live an hour): write it anew.
            return await CreateAsync(decision, cancellationToken);
        }
    }

    private sealed class Recorder(EventBroadcaster broadcaster, string component, string? host) : IEventRecorder
    {
        public void Event(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message) =>
            Event(ObjectReferences.For(regarding), type, reason, message);

        public void Event(V1ObjectReference regarding, string type, string reason, string message)
        {
            ArgumentNullException.ThrowIfNull(regarding);
            broadcaster.Enqueue(new Corev1Event
            {
                InvolvedObject = regarding,
                Type = type,
                Reason = reason,
                Message = message,
                Source = new V1EventSource { Component = component, Host = host },
                ReportingComponent = component,
                ReportingInstance = host ?? string.Empty,
            });
        }
    }
}
