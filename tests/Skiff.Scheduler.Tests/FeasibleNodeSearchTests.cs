using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The filter search of a cycle: on the calling thread for its first nodes, fanning out only for the rest,
/// and in both parts stopping at upstream's number of feasible nodes to find, in search order.</summary>
public sealed class FeasibleNodeSearchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_cycle_in_a_large_cluster_evaluates_only_the_nodes_it_needs(int parallelism)
    {
        var nodes = Nodes(5000, _ => "4");
        var algorithm = Algorithm(parallelism);
        var wanted = SchedulingAlgorithm.NumFeasibleNodesToFind(5000);

        var first = algorithm.Schedule(new PodInfo(Pod("a", cpu: "100m")), nodes);
        var second = algorithm.Schedule(new PodInfo(Pod("b", cpu: "100m")), nodes);

        Assert.Equal(500, wanted);
        Assert.Equal((wanted, wanted), (first.FeasibleNodes, first.EvaluatedNodes));
        Assert.Equal((wanted, wanted), (second.FeasibleNodes, second.EvaluatedNodes));

        // The next cycle starts where the last stopped: the two searches cover different nodes.
        Assert.InRange(Index(first.Node!), 0, wanted - 1);
        Assert.InRange(Index(second.Node!), wanted, (2 * wanted) - 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Nodes_that_fit_beyond_the_serial_part_are_found(int parallelism)
    {
        // Only every 600th node has room: the first cycle must look past the nodes filtered on the calling thread.
        var nodes = Nodes(3000, i => i % 600 == 599 ? "4" : "50m");
        Assert.True(nodes.Length > SchedulingAlgorithm.SerialFilterNodes);
        var algorithm = Algorithm(parallelism);

        var result = algorithm.Schedule(new PodInfo(Pod("a", cpu: "100m")), nodes);

        Assert.NotNull(result.Node);
        Assert.Equal(599, Index(result.Node) % 600);
        Assert.Equal(5, result.FeasibleNodes);
        Assert.Equal(3000, result.EvaluatedNodes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_pod_no_node_fits_gets_a_verdict_from_every_node(int parallelism)
    {
        var nodes = Nodes(3000, _ => "50m");
        var algorithm = Algorithm(parallelism);

        var result = algorithm.Schedule(new PodInfo(Pod("a", cpu: "100m")), nodes);

        Assert.Null(result.Node);
        Assert.Equal(3000, result.Diagnosis!.FailuresByNode.Count);
        Assert.StartsWith("0/3000 nodes are available: 3000 Insufficient cpu.", result.Diagnosis.Message, StringComparison.Ordinal);
    }

    private static SchedulingAlgorithm Algorithm(int parallelism)
    {
        var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins();
        return new SchedulingAlgorithm(filters, scorers, parallelism);
    }

    private static NodeInfo[] Nodes(int count, Func<int, string> cpu) =>
        [.. Enumerable.Range(0, count).Select(i => NodeInfo(Node($"n{i:D4}", cpu: cpu(i))))];

    private static int Index(NodeInfo node) => int.Parse(node.Name.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
}
