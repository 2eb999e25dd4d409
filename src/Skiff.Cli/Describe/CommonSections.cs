using System.Globalization;
using k8s.Models;

namespace Skiff.Cli.Describe;

/// <summary>Sections shared by kubectl's describers: labels, annotations, tolerations, taints, events.</summary>
public static class CommonSections
{
    private const int MaxAnnotationLength = 140;

    public static void Labels(PrefixWriter w, string title, IDictionary<string, string>? labels)
    {
        w.Write(0, $"{title}:\t");
        if (labels is null || labels.Count == 0)
        {
            w.WriteLine("<none>");
            return;
        }

        var first = true;
        foreach (var key in labels.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (!first)
            {
                w.Write(0, "\t");
            }

            first = false;
            w.Write(0, $"{key}={labels[key]}\n");
        }
    }

    public static void Annotations(PrefixWriter w, string title, IDictionary<string, string>? annotations)
    {
        w.Write(0, $"{title}:\t");
        if (annotations is null || annotations.Count == 0)
        {
            w.WriteLine("<none>");
            return;
        }

        var first = true;
        foreach (var key in annotations.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            if (!first)
            {
                w.Write(0, "\t");
            }

            first = false;
            var value = annotations[key].EndsWith('\n') ? annotations[key][..^1] : annotations[key];
            if (value.Length + key.Length + 2 > MaxAnnotationLength || value.Contains('\n', StringComparison.Ordinal))
            {
                w.Write(0, $"{key}:\n");
                foreach (var line in value.Split('\n'))
                {
                    w.Write(0, $"\t  {Shorten(line, MaxAnnotationLength - 2)}\n");
                }
            }
            else
            {
                w.Write(0, $"{key}: {value}\n");
            }
        }
    }

    private static string Shorten(string s, int max) => s.Length > max ? s[..max] + "..." : s;

    public static void Tolerations(PrefixWriter w, string title, IList<V1Toleration>? tolerations)
    {
        w.Write(0, $"{title}:\t");
        if (tolerations is null || tolerations.Count == 0)
        {
            w.WriteLine("<none>");
            return;
        }

        for (var i = 0; i < tolerations.Count; i++)
        {
            var t = tolerations[i];
            if (i != 0)
            {
                w.Write(0, "\t");
            }

            var text = t.Key ?? string.Empty;
            if (!string.IsNullOrEmpty(t.Value))
            {
                text += "=" + t.Value;
            }

            if (!string.IsNullOrEmpty(t.Effect))
            {
                text += ":" + t.Effect;
            }

            if (t.OperatorProperty == "Exists" && string.IsNullOrEmpty(t.Value))
            {
                text += !string.IsNullOrEmpty(t.Key) || !string.IsNullOrEmpty(t.Effect) ? " op=Exists" : "op=Exists";
            }

            if (t.TolerationSeconds is { } seconds)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" for {seconds}s");
            }

            w.Write(0, text + "\n");
        }
    }

    public static void Taints(PrefixWriter w, string title, IList<V1Taint>? taints)
    {
        w.Write(0, $"{title}:\t");
        if (taints is null || taints.Count == 0)
        {
            w.WriteLine("<none>");
            return;
        }

        // kubectl groups taints by effect (NoSchedule, PreferNoSchedule, NoExecute) and prints key=value:effect.
        var ordered = new[] { "NoSchedule", "PreferNoSchedule", "NoExecute" }
            .SelectMany(effect => taints.Where(t => t.Effect == effect))
            .Concat(taints.Where(t => t.Effect is not "NoSchedule" and not "PreferNoSchedule" and not "NoExecute"))
            .ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (i != 0)
            {
                w.Write(0, "\t");
            }

            var t = ordered[i];
            var text = string.IsNullOrEmpty(t.Value) ? $"{t.Key}:{t.Effect}" : $"{t.Key}={t.Value}:{t.Effect}";
            w.Write(0, text + "\n");
        }
    }

    public static void Events(PrefixWriter w, IList<Corev1Event>? events, DateTimeOffset now)
    {
        if (events is null || events.Count == 0)
        {
            w.Write(0, "Events:\t<none>\n");
            return;
        }

        w.Flush();
        w.Write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
        w.Write(1, "----\t------\t----\t----\t-------\n");
        foreach (var e in events.OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? DateTime.MinValue))
        {
            var first = e.EventTime is { } eventTime && eventTime != default
                ? DescribeFormat.Since(eventTime, now)
                : DescribeFormat.Since(e.FirstTimestamp, now);
            string interval;
            if (e.Series is not null)
            {
                interval = string.Create(CultureInfo.InvariantCulture, $"{DescribeFormat.Since(e.Series.LastObservedTime, now)} (x{e.Series.Count} over {first})");
            }
            else if (e.Count > 1)
            {
                interval = string.Create(CultureInfo.InvariantCulture, $"{DescribeFormat.Since(e.LastTimestamp, now)} (x{e.Count} over {first})");
            }
            else
            {
                interval = first;
            }

            var source = string.IsNullOrEmpty(e.Source?.Component) ? e.ReportingComponent ?? string.Empty : e.Source.Component;
            w.Write(1, $"{e.Type}\t{e.Reason}\t{interval}\t{source}\t{(e.Message ?? string.Empty).Trim()}\n");
        }
    }
}
