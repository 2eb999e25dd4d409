using System.Globalization;
using System.Text;

namespace Skiff.Controllers.Jobs;

/// <summary>
/// The text form of an Indexed job's <c>status.completedIndexes</c>: increasing decimal indexes separated by commas,
/// runs of three or more written <c>first-last</c> ("1,3-5,7"), as upstream's orderedIntervals.
/// </summary>
public static class CompletedIndexes
{
    /// <summary>The indexes below <paramref name="completions"/> that <paramref name="text"/> names (malformed parts are skipped).</summary>
    public static SortedSet<int> Parse(string? text, int completions)
    {
        var set = new SortedSet<int>();
        if (string.IsNullOrEmpty(text))
        {
            return set;
        }

        foreach (var part in text.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
            {
                continue;
            }

            var last = first;
            if (bounds.Length == 2 && !int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out last))
            {
                continue;
            }

            for (var i = first; i <= last && i < completions; i++)
            {
                set.Add(i);
            }
        }

        return set;
    }

    public static string Format(IEnumerable<int> indexes)
    {
        ArgumentNullException.ThrowIfNull(indexes);
        var sorted = indexes.Distinct().Order().ToList();
        var text = new StringBuilder();
        for (var i = 0; i < sorted.Count;)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            if (text.Length > 0)
            {
                text.Append(',');
            }

            // Two consecutive numbers are written as two; three or more as a range.
            if (j - i >= 2)
            {
                text.Append(CultureInfo.InvariantCulture, $"{sorted[i]}-{sorted[j]}");
                i = j + 1;
            }
            else
            {
                text.Append(sorted[i].ToString(CultureInfo.InvariantCulture));
                i++;
            }
        }

        return text.ToString();
    }
}
