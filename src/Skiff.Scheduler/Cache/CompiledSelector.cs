using k8s.Models;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// A <see cref="V1LabelSelector"/> read once into arrays, for matching thousands of pods per scheduling cycle
/// without allocating (the same rules as <c>LabelSelectors.Matches</c>: null selects nothing, empty everything).
/// </summary>
public sealed class CompiledSelector
{
    public static readonly CompiledSelector Nothing = new(null);

    private readonly bool _selectsNothing;
    private readonly Requirement[] _requirements;
    private string? _key;

    public CompiledSelector(V1LabelSelector? selector)
    {
        _selectsNothing = selector is null;
        var requirements = new List<Requirement>();
        foreach (var (key, value) in selector?.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new Requirement(key, Operator.Equals, [value]));
        }

        foreach (var e in selector?.MatchExpressions ?? [])
        {
            var op = e.OperatorProperty switch
            {
                "In" => Operator.In,
                "NotIn" => Operator.NotIn,
                "Exists" => Operator.Exists,
                "DoesNotExist" => Operator.DoesNotExist,
                _ => Operator.Invalid,
            };
            requirements.Add(new Requirement(e.Key, op, e.Values?.ToArray() ?? []));
        }

        _requirements = requirements.ToArray();
    }

    /// <summary>A text equal for selectors that select the same pods (requirements and their values sorted), so
    /// that counts kept for one selector can serve every pod carrying an equal one.</summary>
    public string Key => _key ??= BuildKey();

    public bool Matches(IDictionary<string, string>? labels)
    {
        if (_selectsNothing)
        {
            return false;
        }

        foreach (var r in _requirements)
        {
            string? actual = null;
            var has = labels is not null && labels.TryGetValue(r.Key, out actual);
            var ok = r.Operator switch
            {
                Operator.Equals => has && actual == r.Values[0],
                Operator.In => has && Array.IndexOf(r.Values, actual) >= 0,
                Operator.NotIn => !has || Array.IndexOf(r.Values, actual) < 0,
                Operator.Exists => has,
                Operator.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private string BuildKey()
    {
        if (_selectsNothing)
        {
            return "\u0000nothing";
        }

        var parts = _requirements
            .Select(r => r.Key + "\u0001" + r.Operator + "\u0001" + string.Join('\u0002', r.Values.Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal);
        return string.Join('\u0003', parts);
    }

    private enum Operator
    {
        Invalid,
        Equals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private readonly record struct Requirement(string Key, Operator Operator, string[] Values);
}
