using System.Collections.Concurrent;
using System.Diagnostics;
using k8s;
using k8s.Models;
using Skiff.Containerd;

namespace Skiff.Bench.PodStartup;

/// <summary>
/// One round through the whole cluster: N nginx pods bound to the node are created at once through the API; the
/// watch tells when each gets its IP, turns Running and Ready; a poller tells when nginx first answers 200 at the pod
/// IP. Every time is measured from the moment that pod's create request was sent. Then the pods are deleted and the
/// round waits until the API and the runtime have none left.
/// </summary>
internal sealed class KubeletRound(Kubernetes client, string nodeName, HttpClient http)
{
    private const string Namespace = "default";
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromMinutes(10);

    public async Task<KubeletRoundResult> RunAsync(int pods, string round, CancellationToken cancellationToken, PodImage? image = null)
    {
        var selector = $"podbench={round}";
        var times = Enumerable.Range(0, pods).ToDictionary(i => $"pb-{round}-{i}", i => new PodTimes(), StringComparer.Ordinal);
        var existing = await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: selector, cancellationToken: cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RoundTimeout);
        var startedAtUtc = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var serving = new ConcurrentBag<Task>();
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = 0;

        void Observe(V1Pod pod)
        {
            var now = clock.Elapsed.TotalMilliseconds;
            if (!times.TryGetValue(pod.Metadata.Name, out var t))
            {
                return;
            }

            lock (t)
            {
                if (t.IpSeen is null && !string.IsNullOrEmpty(pod.Status?.PodIP))
                {
                    t.IpSeen = now;
                    var uri = new Uri($"http://{pod.Status.PodIP}/");
                    serving.Add(Task.Run(async () =>
                    {
                        await HttpReadiness.WaitFor200Async(http, uri, RoundTimeout, timeout.Token);
                        t.Http200 = clock.Elapsed.TotalMilliseconds;
                    }, timeout.Token));
                }

                var running = pod.Status?.Phase == "Running";
                if (running && t.RunningSeen is null)
                {
                    t.RunningSeen = now;
                }

                if (running && t.ReadySeen is null && pod.Status!.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                {
                    t.ReadySeen = now;
                    if (Interlocked.Increment(ref ready) == pods)
                    {
                        allReady.TrySetResult();
                    }
                }
            }
        }

        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
        var watch = WatchAsync(selector, existing.Metadata.ResourceVersion, Observe, stopWatching.Token);

        await Task.WhenAll(times.Select(async entry =>
        {
            await Task.Yield();
            var t = entry.Value;
            t.CreateSent = clock.Elapsed.TotalMilliseconds;
            await client.CoreV1.CreateNamespacedPodAsync(NewPod(entry.Key, round, image ?? PodImage.Nginx), Namespace, cancellationToken: timeout.Token);
            t.CreateReturned = clock.Elapsed.TotalMilliseconds;
        }));

        await allReady.Task.WaitAsync(timeout.Token);
        while (serving.Count < pods)
        {
            // Every pod is Ready, so every pod has an IP and a poller; the last ones are being added right now.
            await Task.Delay(10, timeout.Token);
        }

        await Task.WhenAll(serving);
        await stopWatching.CancelAsync();
        try
        {
            await watch;
        }
        catch (OperationCanceledException)
        {
        }

        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"  round {round}: create → Ready p50 {Percentiles.Of(times.Values.Select(t => t.ReadySeen!.Value - t.CreateSent).ToList())}; deleting"));
        // Tearing down is slower than starting on a busy node (containerd serializes the CNI teardown): its own clock.
        using var deleteTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deleteTimeout.CancelAfter(TimeSpan.FromMinutes(30));
        var deleted = await DeleteAllAsync(selector, times.Keys, deleteTimeout.Token);
        return new KubeletRoundResult(pods, startedAtUtc, times, deleted);
    }

    private async Task WatchAsync(string selector, string resourceVersion, Action<V1Pod> observe, CancellationToken cancellationToken)
    {
        // A watch the server ends is resumed from the last version seen.
        while (!cancellationToken.IsCancellationRequested)
        {
            await foreach (var (type, pod) in client.CoreV1.WatchListNamespacedPodAsync(
                               Namespace, labelSelector: selector, resourceVersion: resourceVersion, allowWatchBookmarks: true,
                               timeoutSeconds: 600, cancellationToken: cancellationToken))
            {
                if (!string.IsNullOrEmpty(pod.Metadata?.ResourceVersion))
                {
                    resourceVersion = pod.Metadata.ResourceVersion;
                }

                if (type is WatchEventType.Added or WatchEventType.Modified)
                {
                    observe(pod);
                }
            }
        }
    }

    /// <summary>Deletes the pods (default grace period; nginx stops on SIGQUIT at once) and waits until the API has
    /// none left, which the kubelet only allows after tearing each one down. Returns the time that took.</summary>
    private async Task<TimeSpan> DeleteAllAsync(string selector, IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(names.Select(async name =>
        {
            await Task.Yield();
            await client.CoreV1.DeleteNamespacedPodAsync(name, Namespace, cancellationToken: cancellationToken);
        }));
        while ((await client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: selector, cancellationToken: cancellationToken)).Items.Count > 0)
        {
            await Task.Delay(200, cancellationToken);
        }

        return clock.Elapsed;
    }

    private V1Pod NewPod(string name, string round, PodImage image) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["podbench"] = round } },
        Spec = new V1PodSpec
        {
            // No scheduler yet: bind to the node directly.
            NodeName = nodeName,
            Containers =
            [
                new V1Container
                {
                    Name = "nginx",
                    Image = image.Reference,
                    ImagePullPolicy = image.PullPolicy,
                    Ports = [new V1ContainerPort { ContainerPort = 80 }],
                },
            ],
            ImagePullSecrets = image.PullSecret is null ? null : [new V1LocalObjectReference { Name = image.PullSecret }],
        },
    };
}

/// <summary>The image a round's pods run (nginx, or a copy of it in a registry) and how the kubelet gets it.</summary>
internal sealed record PodImage(string Reference, string? PullPolicy = null, string? PullSecret = null)
{
    public static PodImage Nginx { get; } = new("nginx");
}

/// <summary>Milliseconds from the create request of one pod.</summary>
internal sealed class PodTimes
{
    public double CreateSent { get; set; }

    public double CreateReturned { get; set; }

    public double? IpSeen { get; set; }

    public double? RunningSeen { get; set; }

    public double? ReadySeen { get; set; }

    public double? Http200 { get; set; }
}

/// <summary>What one kubelet round measured; times are relative to each pod's create request.</summary>
internal sealed record KubeletRoundResult(int Pods, DateTime StartedAtUtc, IReadOnlyDictionary<string, PodTimes> Times, TimeSpan DeleteAll)
{
    public Percentiles Of(Func<PodTimes, double?> pick) =>
        Percentiles.Of(Times.Values.Select(t => pick(t)!.Value - t.CreateSent).ToList());

    public Percentiles CreateCall => Of(t => t.CreateReturned);

    public Percentiles IpSeen => Of(t => t.IpSeen);

    public Percentiles RunningSeen => Of(t => t.RunningSeen);

    public Percentiles Ready => Of(t => t.ReadySeen);

    public Percentiles Http200 => Of(t => t.Http200);
}
