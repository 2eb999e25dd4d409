namespace Skiff.Apimachinery.Tests;

/// <summary>The watch cache's compact form of an object's selectable fields reads as the dictionary it replaces.</summary>
public sealed class SelectableFieldValuesTests
{
    [Fact]
    public void Reads_as_a_dictionary_in_the_order_given()
    {
        var fields = new SelectableFieldValues([new("metadata.name", "web"), new("spec.nodeName", string.Empty), new("status.phase", "Running")]);

        Assert.Equal(3, fields.Count);
        Assert.Equal("Running", fields["status.phase"]);
        Assert.True(fields.TryGetValue("spec.nodeName", out var node));
        Assert.Equal(string.Empty, node);
        Assert.False(fields.TryGetValue("Status.Phase", out _)); // field names are case-sensitive, as upstream's
        Assert.False(fields.ContainsKey("spec.hostNetwork"));
        Assert.Throws<KeyNotFoundException>(() => fields["spec.hostNetwork"]);
        Assert.Equal(["metadata.name", "spec.nodeName", "status.phase"], fields.Keys);
        Assert.Equal(["web", string.Empty, "Running"], fields.Values);
    }

    [Fact]
    public void A_field_given_twice_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SelectableFieldValues([new("metadata.name", "a"), new("metadata.name", "b")]));
    }
}
