using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Simulation;

/// <summary>
/// Runs <see cref="SimulationOptions.Count"/> simulated nodes on a <see cref="ComponentContext"/>: in
/// <c>skiff server --simulate-nodes N</c> on the server's shared informers, in <c>skiff agent --simulate N</c> on the
/// agent's own. Nodes and pods are read from the process's shared Node and Pod informers (no watch of its own); the
/// writes go through two work queues with several workers each.
/// </summary>
public static class SimulationHost
{
    public static async Task RunAsync(SimulationOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        if (options.Count <= 0)
        {
            return;
        }

        var logger = context.Loggers.CreateLogger("Skiff.Simulation");
        var nodeInformer = context.Informers.Get<V1Node>();
        var podInformer = context.Informers.Get<V1Pod>();
        podInformer.AddIndexer(Indexers.NodeName, Indexers.ByNodeName);

        var nodes = new NodeSimulator(options, context.Api, nodeInformer.Cache, context.Time, logger);
        var pods = new PodSimulator(context.Api, podInformer.Cache, nodes, context.Time, logger);
        using var registration = podInformer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => pods.OnPod(pod),
            Updated = (_, pod) => pods.OnPod(pod),
            Deleted = (pod, _) => pods.OnPod(pod),
        });
        using (nodes.Queue)
        using (pods.Queue)
        {
            await nodeInformer.WaitForSyncAsync(cancellationToken);
            logger.LogInformation("Simulating {Count} nodes {First} … {Last} ({Cpu} cpu, {Memory}, {Pods} pods each)",
                options.Count, options.NodeName(0), options.NodeName(options.Count - 1), options.Cpu, options.Memory, options.Pods);
            nodes.Start();
            await Task.WhenAll(
                QueueWorkers.RunAsync(nodes.Queue, options.NodeWorkers, nodes.SyncAsync, logger, cancellationToken),
                QueueWorkers.RunAsync(pods.Queue, options.PodWorkers, pods.SyncAsync, logger, cancellationToken));
        }
    }
}
