using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Skiff.Apimachinery.Validation;

/// <summary>The path to the value being walked, as a stack of steps (a property or an array index), spelled out as
/// kube-apiserver's strict errors spell it (<c>spec.containers[1].image</c>) only when asked: most walks find no
/// problem, and a string per field would be made for nothing.</summary>
internal sealed class JsonPathSteps
{
    private readonly List<(JsonProperty Property, int Index)> _steps = [];

    public void Push(JsonProperty property) => _steps.Add((property, -1));

    public void Push(int index) => _steps.Add((default, index));

    public void Pop() => _steps.RemoveAt(_steps.Count - 1);

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var (property, index) in _steps)
        {
            if (index >= 0)
            {
                text.Append('[').Append(index.ToString(CultureInfo.InvariantCulture)).Append(']');
                continue;
            }

            if (text.Length > 0)
            {
                text.Append('.');
            }

            text.Append(property.Name);
        }

        return text.ToString();
    }
}
