using System.Globalization;
using k8s;
using k8s.Models;

namespace Skiff.EndToEnd.Tests.HighAvailability;

/// <summary>A watch on config maps in one namespace, kept open in the background, recording every event it delivers.</summary>
public sealed class ConfigMapWatch : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(WatchEventType Type, string Name, long ResourceVersion)> _events = [];
    private readonly Task _pump;
    private Exception? _failure;

    private ConfigMapWatch(IKubernetes client, string ns, string resourceVersion) =>
        _pump = Task.Run(() => PumpAsync(client, ns, resourceVersion));

    public static async Task<ConfigMapWatch> OpenAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        var list = await client.CoreV1.ListNamespacedConfigMapAsync(ns, cancellationToken: cancellationToken);
        return new ConfigMapWatch(client, ns, list.Metadata.ResourceVersion);
    }

    public IReadOnlyList<(WatchEventType Type, string Name, long ResourceVersion)> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Why the watch stopped early, if it did (a dropped watch is a gap).</summary>
    public Exception? Failure => _failure;

    /// <summary>Waits until every one of <paramref name="names"/> has been delivered as ADDED (or the deadline passes).</summary>
    public async Task WaitForAsync(IReadOnlyCollection<string> names, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_failure is not null)
            {
                throw new InvalidOperationException("the watch failed", _failure);
            }

            var added = Events.Where(e => e.Type == WatchEventType.Added).Select(e => e.Name).ToHashSet();
            if (names.All(added.Contains))
            {
                return;
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pump;
        _stop.Dispose();
    }

    private async Task PumpAsync(IKubernetes client, string ns, string resourceVersion)
    {
        try
        {
            // One watch call: if the server ended it, that would be a gap the test must see, so it is not reopened.
            await foreach (var (type, configMap) in client.CoreV1.WatchListNamespacedConfigMapAsync(
                               ns, resourceVersion: resourceVersion, timeoutSeconds: 600, cancellationToken: _stop.Token))
            {
                if (type is WatchEventType.Bookmark)
                {
                    continue;
                }

                lock (_events)
                {
                    _events.Add((type, configMap.Name(), long.Parse(configMap.ResourceVersion(), CultureInfo.InvariantCulture)));
                }
            }
        }
        catch (Exception e)
        {
            // After DisposeAsync cancels, whatever the cancelled stream throws is expected; before, it is a failure.
            if (!_stop.IsCancellationRequested)
            {
                _failure = e;
            }
        }
    }
}
