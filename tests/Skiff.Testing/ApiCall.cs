namespace Skiff.Testing;

/// <summary>One call the fake API received, e.g. <c>(create, pods, default, web, null)</c>.</summary>
public sealed record ApiCall(string Verb, string Resource, string? Namespace, string? Name, string? Subresource)
{
    public override string ToString() =>
        $"{Verb} {Resource}{(Subresource is null ? string.Empty : "/" + Subresource)} {Namespace}/{Name}";
}
