using k8s.Models;

namespace Skiff.Scheduler.Plugins;

/// <summary>Toleration matching as upstream's v1helper.TolerationsTolerateTaint.</summary>
public static class Tolerations
{
    public static bool Tolerates(IList<V1Toleration>? tolerations, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(taint);
        foreach (var t in tolerations ?? [])
        {
            if (!string.IsNullOrEmpty(t.Effect) && t.Effect != taint.Effect)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(t.Key) && t.Key != taint.Key)
            {
                continue;
            }

            var matches = t.OperatorProperty switch
            {
                "Exists" => true,
                "Equal" or "" or null => !string.IsNullOrEmpty(t.Key) && (t.Value ?? string.Empty) == (taint.Value ?? string.Empty),
                _ => false,
            };
            if (matches)
            {
                return true;
            }
        }

        return false;
    }
}
