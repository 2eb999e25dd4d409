using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Toleration matching as upstream's v1helper (ToleratesTaint, GetMatchingTolerations).</summary>
public static class TaintTolerations
{
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        ArgumentNullException.ThrowIfNull(taint);
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            "Equal" or "" or null => !string.IsNullOrEmpty(toleration.Key) && (toleration.Value ?? string.Empty) == (taint.Value ?? string.Empty),
            _ => false,
        };
    }

    /// <summary>Whether every taint is tolerated, and the tolerations that matched (one per taint).</summary>
    public static (bool AllTolerated, List<V1Toleration> Used) Matching(IEnumerable<V1Taint> taints, IList<V1Toleration>? tolerations)
    {
        var used = new List<V1Toleration>();
        foreach (var taint in taints)
        {
            var match = (tolerations ?? []).FirstOrDefault(t => Tolerates(t, taint));
            if (match is null)
            {
                return (false, []);
            }

            used.Add(match);
        }

        return (true, used);
    }

    /// <summary>The shortest tolerationSeconds among <paramref name="used"/> (negative: tolerated forever; none
    /// used: zero, as upstream).</summary>
    public static TimeSpan MinTolerationTime(IReadOnlyCollection<V1Toleration> used)
    {
        if (used.Count == 0)
        {
            return TimeSpan.Zero;
        }

        TimeSpan? min = null;
        foreach (var seconds in used.Select(t => t.TolerationSeconds).OfType<long>())
        {
            var value = TimeSpan.FromSeconds(Math.Max(0, seconds));
            min = min is null || value < min ? value : min;
        }

        return min ?? TimeSpan.FromTicks(-1);
    }
}
