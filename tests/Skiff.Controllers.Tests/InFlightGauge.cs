namespace Skiff.Controllers.Tests;

/// <summary>Counts calls in flight at once and remembers the most seen, for tests of a bound on concurrent calls.</summary>
internal sealed class InFlightGauge
{
    private int _now;
    private int _most;

    public int Most => Volatile.Read(ref _most);

    public void Enter()
    {
        var now = Interlocked.Increment(ref _now);
        for (var seen = Volatile.Read(ref _most); now > seen; seen = Volatile.Read(ref _most))
        {
            if (Interlocked.CompareExchange(ref _most, now, seen) == seen)
            {
                return;
            }
        }
    }

    public void Exit() => Interlocked.Decrement(ref _now);
}
