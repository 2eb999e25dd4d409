namespace Skiff.ApiServer.Watch;

/// <summary>
/// How many events a resource's watch cache keeps for watches to resume from: at least <see cref="LowerBound"/>, and
/// up to <see cref="UpperBound"/> while they are younger than <see cref="Freshness"/>. Upstream's cacher starts at 100
/// events and grows to 100 × 1024 to keep 75 s of history.
/// </summary>
public sealed record WatchHistoryWindow(int LowerBound, int UpperBound, TimeSpan Freshness, TimeProvider Time)
{
    public static readonly TimeSpan DefaultFreshness = TimeSpan.FromSeconds(75);

    public const int DefaultUpperBound = 100 * 1024;

    public int LowerBound { get; } = LowerBound > 0 ? LowerBound : throw new ArgumentOutOfRangeException(nameof(LowerBound));

    public int UpperBound { get; } = Math.Max(LowerBound, UpperBound);
}
