using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Client.Informers;

namespace Skiff.Client;

/// <summary>
/// What a component (scheduler, controller manager, service proxy, cluster DNS, kubelet) gets from the process it
/// runs in: the API, the process's one shared informer factory (one watch per kind per process, whatever the number
/// of consumers), the process's event broadcaster, the clock and the loggers. <c>skiff server</c> builds one for all
/// of its components; <c>skiff scheduler --kubeconfig F</c> and the like build one from the kubeconfig.
/// </summary>
public sealed record ComponentContext(
    IApiClient Api,
    SharedInformerFactory Informers,
    EventBroadcaster Events,
    TimeProvider Time,
    ILoggerFactory Loggers)
{
    /// <summary>A context over <paramref name="api"/> with a new informer factory and event broadcaster
    /// (started; dispose them through <see cref="DisposeAsync"/>).</summary>
    public static ComponentContext Create(IApiClient api, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var events = new EventBroadcaster(api, time, loggers.CreateLogger("Skiff.Client.Events"));
        events.Start();
        return new ComponentContext(api, new SharedInformerFactory(api, time, loggers), events, time, loggers);
    }

    /// <summary>Stops the informers, then flushes the events (for up to 2 s).</summary>
    public async ValueTask DisposeAsync()
    {
        await Informers.DisposeAsync();
        await Events.DisposeAsync();
    }
}
