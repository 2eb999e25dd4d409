using System.Globalization;

namespace Skiff.ApiServer.Services;

/// <summary>A bad value shown as Go's <c>%#v</c> prints it in a field error, e.g. <c>[]string{"10.43.0.5"}</c>.</summary>
internal sealed record GoLiteral(string Text)
{
    public static GoLiteral Strings(IEnumerable<string>? values) =>
        values is null
            ? new GoLiteral("[]string(nil)")
            : new GoLiteral("[]string{" + string.Join(", ", values.Select(v => Skiff.Apimachinery.Validation.GoFormat.Quote(v))) + "}");

    public override string ToString() => Text.ToString(CultureInfo.InvariantCulture);
}
