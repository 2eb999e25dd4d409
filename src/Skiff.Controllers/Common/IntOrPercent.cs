using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>apimachinery's intstr.GetScaledValueFromIntOrPercent.</summary>
public static class IntOrPercent
{
    public static int Scaled(IntOrString? value, int total, bool roundUp)
    {
        if (value?.Value is not { Length: > 0 } text)
        {
            return 0;
        }

        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text[..^1], CultureInfo.InvariantCulture);
            var scaled = (double)percent * total / 100;
            return roundUp ? (int)Math.Ceiling(scaled) : (int)Math.Floor(scaled);
        }

        return int.Parse(text, CultureInfo.InvariantCulture);
    }
}
