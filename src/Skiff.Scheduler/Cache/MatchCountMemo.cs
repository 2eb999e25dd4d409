namespace Skiff.Scheduler.Cache;

/// <summary>How many pods of a node matched a selector (keyed by namespace and selector text) at a given
/// <see cref="NodeInfo.PodsVersion"/>: most nodes do not change between two cycles, so spreading counts them
/// once rather than walking every pod of the cluster for every pod scheduled.</summary>
internal sealed class MatchCountMemo
{
    public long PodsVersion { get; set; }

    public string Key { get; set; } = string.Empty;

    public int Count { get; set; }
}
