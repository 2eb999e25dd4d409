using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Informers;

/// <summary>
/// Hands out one informer per kind and options in a process, so that every consumer shares one watch and one
/// cache (client-go's SharedInformerFactory). Informers asked for after <see cref="Start"/> start at once.
/// Disposing stops every informer and waits for it.
/// </summary>
public sealed class SharedInformerFactory : IAsyncDisposable
{
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<(Type Type, InformerOptions Options), ISharedInformer> _informers = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private CancellationToken _token;
    private bool _started;

    public SharedInformerFactory(IApiClient api, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _time = time;
        _loggers = loggers;
    }

    /// <summary>The API the informers read, for the writes of the components that share this factory.</summary>
    public IApiClient Api => _api;

    /// <summary>The shared informer of <typeparamref name="T"/> with <paramref name="options"/> (all objects by default).</summary>
    public SharedInformer<T> Get<T>(InformerOptions? options = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        options ??= InformerOptions.Default;
        lock (_informers)
        {
            if (_informers.TryGetValue((typeof(T), options), out var existing))
            {
                return (SharedInformer<T>)existing;
            }

            var informer = new SharedInformer<T>(_api, options, _time, _loggers.CreateLogger($"Skiff.Client.Informer.{typeof(T).Name}"));
            _informers[(typeof(T), options)] = informer;
            if (_started)
            {
                _running.Add(Task.Run(() => informer.RunAsync(_token), CancellationToken.None));
            }

            return informer;
        }
    }

    /// <summary>Starts every informer handed out so far (and those asked for later) until <paramref name="cancellationToken"/>
    /// or disposal.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        lock (_informers)
        {
            if (_started)
            {
                return;
            }

            _started = true;
            _token = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, cancellationToken).Token;
            foreach (var informer in _informers.Values)
            {
                _running.Add(Task.Run(() => informer.RunAsync(_token), CancellationToken.None));
            }
        }
    }

    /// <summary>Completes when every informer handed out so far has its first list in its cache.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken cancellationToken)
    {
        List<ISharedInformer> informers;
        lock (_informers)
        {
            informers = [.. _informers.Values];
        }

        return Task.WhenAll(informers.Select(i => i.WaitForSyncAsync(cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Task[] running;
        lock (_informers)
        {
            running = [.. _running];
        }

        await Task.WhenAll(running);
        _stop.Dispose();
    }
}
