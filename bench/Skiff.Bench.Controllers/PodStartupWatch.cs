using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Skiff.Client.Api;

/// <summary>
/// Pod startup latency as ClusterLoader2's PodStartupLatency measures it, on one raw watch of the namespace: from a
/// pod's creation (its ADDED event, which arrives within milliseconds of the ReplicaSet controller's create, where
/// creationTimestamp has whole seconds only) to the first event that shows it Running. A watch that falls out of the
/// server's window lists again; pods first seen by that list have no creation time and are counted apart. Pods are
/// watched as <see cref="PodPhaseView"/>: the bench reads no more of them than it needs.
/// </summary>
internal sealed class PodStartupWatch : IAsyncDisposable
{
    private readonly IApiClient _api;
    private readonly string _namespace;
    private readonly ConcurrentDictionary<string, long> _created = new();
    private readonly ConcurrentDictionary<string, long> _running = new();
    private readonly ConcurrentDictionary<string, long> _scheduled = new();
    private readonly ConcurrentDictionary<string, bool> _live = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _watching = Task.CompletedTask;
    private string _from = string.Empty;

    private PodStartupWatch(IApiClient api, string ns)
    {
        _api = api;
        _namespace = ns;
    }

    /// <summary>Pods of the namespace that exist now, as the watch last told (the deletion phase waits for none,
    /// without lists: a paged list of 150k pods costs the in-memory store a scan of every key under its lock).</summary>
    public int Live => _live.Count;

    /// <summary>Pods this watch has seen Running since the last <see cref="Reset"/>.</summary>
    public int Running => _running.Count;

    /// <summary>Pods this watch has seen bound to a node since the last <see cref="Reset"/>.</summary>
    public int Scheduled => _scheduled.Count;

    /// <summary>When (a <see cref="Stopwatch"/> timestamp) the watch saw the last of the pods seen bound get its node,
    /// or null when it saw none.</summary>
    public long? LastScheduled => _scheduled.IsEmpty ? null : _scheduled.Values.Max();

    /// <summary>Pods first seen on a re-list (their creation not observed).</summary>
    public int SeenLate { get; private set; }

    public static async Task<PodStartupWatch> StartAsync(IApiClient api, string ns, CancellationToken cancellationToken)
    {
        var watch = new PodStartupWatch(api, ns);
        watch._from = (await api.ListAsync<V1Pod>(new ListOptions { Namespace = ns, Limit = 1 }, cancellationToken)).ResourceVersion;
        watch._watching = Task.Run(watch.RunAsync, CancellationToken.None);
        return watch;
    }

    /// <summary>Forgets what was measured, for the next phase (a rollout's new pods).</summary>
    public void Reset()
    {
        _created.Clear();
        _running.Clear();
        _scheduled.Clear();
        SeenLate = 0;
    }

    /// <summary>Create → Running in milliseconds, sorted, for the pods whose both moments this watch saw.</summary>
    public List<double> StartupMilliseconds() =>
        _created.Where(c => _running.TryGetValue(c.Key, out var r) && r >= c.Value)
            .Select(c => (_running[c.Key] - c.Value) * 1000.0 / Stopwatch.Frequency)
            .Order()
            .ToList();

    public static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Count - 1, q * sorted.Count)];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watching;
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _api.WatchAsync<PodPhaseView>(new WatchOptions { Namespace = _namespace, ResourceVersion = _from, TimeoutSeconds = 3600, DropManagedFields = true }, _stop.Token))
                {
                    if (e.Object is not { } pod)
                    {
                        continue;
                    }

                    _from = pod.Metadata.ResourceVersion;
                    var now = Stopwatch.GetTimestamp();
                    if (e.Kind == WatchEventKind.Added)
                    {
                        _created.TryAdd(pod.Metadata.Uid, now);
                    }

                    if (e.Kind == WatchEventKind.Deleted)
                    {
                        _live.TryRemove(pod.Metadata.Uid, out _);
                    }
                    else
                    {
                        _live[pod.Metadata.Uid] = true;
                    }

                    if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
                    {
                        _scheduled.TryAdd(pod.Metadata.Uid, now);
                    }

                    if (pod.Status?.Phase == "Running")
                    {
                        _running.TryAdd(pod.Metadata.Uid, now);
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
            catch (ApiException e) when (e.IsGone)
            {
                var list = await _api.ListAsync<V1Pod>(new ListOptions { Namespace = _namespace }, _stop.Token);
                var now = Stopwatch.GetTimestamp();
                _live.Clear();
                foreach (var pod in list.Items)
                {
                    _live[pod.Metadata.Uid] = true;
                    if (!_created.ContainsKey(pod.Metadata.Uid))
                    {
                        SeenLate++;
                    }

                    if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
                    {
                        _scheduled.TryAdd(pod.Metadata.Uid, now);
                    }

                    if (pod.Status?.Phase == "Running")
                    {
                        _running.TryAdd(pod.Metadata.Uid, now);
                    }
                }

                _from = list.ResourceVersion;
            }
        }
    }
}
