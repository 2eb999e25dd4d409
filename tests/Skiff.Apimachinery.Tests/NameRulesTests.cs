using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Tests;

public sealed class NameRulesTests
{
    [Theory]
    [InlineData("web")]
    [InlineData("web-0.example.com")]
    [InlineData("0abc")]
    public void Valid_subdomains_pass(string name) => Assert.Empty(NameRules.Dns1123Subdomain(name));

    [Fact]
    public void Invalid_subdomain_gets_kubernetes_message()
    {
        var errors = NameRules.Dns1123Subdomain("Web_1");
        Assert.Equal(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
            Assert.Single(errors));
    }

    [Fact]
    public void Invalid_label_gets_kubernetes_message_with_upstream_double_space()
    {
        Assert.Equal(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
            Assert.Single(NameRules.Dns1123Label("a.b")));
    }

    [Fact]
    public void Dns1035_label_must_start_with_a_letter()
    {
        Assert.Empty(NameRules.Dns1035Label("web"));
        Assert.Equal(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            Assert.Single(NameRules.Dns1035Label("1web")));
    }

    [Fact]
    public void Too_long_label_reports_length_and_nothing_else_when_pattern_matches()
    {
        Assert.Equal(["must be no more than 63 characters"], NameRules.Dns1123Label(new string('a', 64)));
    }

    [Fact]
    public void Generate_name_may_end_in_a_dash()
    {
        Assert.Empty(NameRules.NameIsDns1123Subdomain("web-", prefix: true));
        Assert.NotEmpty(NameRules.NameIsDns1123Subdomain("web-", prefix: false));
    }

    [Theory]
    [InlineData("app", 0)]
    [InlineData("app.kubernetes.io/name", 0)]
    [InlineData("/name", 1)]
    [InlineData("a/b/c", 1)]
    [InlineData("Bad_Prefix/name", 1)]
    [InlineData("-name", 1)]
    public void Qualified_names(string key, int errorCount) => Assert.Equal(errorCount, NameRules.QualifiedName(key).Count);

    [Fact]
    public void Qualified_name_messages_name_the_part()
    {
        Assert.Equal(["prefix part must be non-empty"], NameRules.QualifiedName("/name"));
        Assert.StartsWith("name part must consist of alphanumeric characters", Assert.Single(NameRules.QualifiedName("-x")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("v1.2_3", true)]
    [InlineData("-bad", false)]
    public void Label_values(string value, bool valid) => Assert.Equal(valid, NameRules.LabelValue(value).Count == 0);

    [Fact]
    public void Port_range()
    {
        Assert.Empty(NameRules.PortNumber(80));
        Assert.Equal(["must be between 1 and 65535, inclusive"], NameRules.PortNumber(0));
        Assert.NotEmpty(NameRules.PortNumber(65536));
    }
}
