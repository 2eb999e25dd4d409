using Skiff.ApiServer.Bootstrap;

namespace Skiff.ApiServer.Tests.Bootstrap;

/// <summary>The two join token forms: the server's <c>K10&lt;hash&gt;::server:&lt;secret&gt;</c> and a bootstrap token's
/// <c>K10&lt;hash&gt;::&lt;id&gt;.&lt;secret&gt;</c> (k3s's), and what each may be used for.</summary>
public sealed class JoinTokenFormTests
{
    private static readonly string Hash = new('a', 64);

    [Fact]
    public void A_bootstrap_token_form_parses_and_prints_its_id_but_never_its_secret()
    {
        Assert.True(JoinToken.TryParse($"K10{Hash}::abcdef.0123456789abcdef\n", out var token));
        Assert.True(token.IsBootstrapToken);
        Assert.Equal("abcdef.0123456789abcdef", token.Secret);
        Assert.Equal($"K10{Hash}::abcdef.0123456789abcdef", token.Format());
        Assert.Equal($"K10{Hash}::abcdef.<redacted>", token.ToString());
    }

    [Theory]
    [InlineData("::abcdef.0123456789ABCDEF")] // upper case is not a bootstrap token
    [InlineData("::abcde.0123456789abcdef")]
    [InlineData("::abcdef.0123456789abcde")]
    [InlineData("::abcdef0123456789abcdef")]
    [InlineData("::")]
    public void Anything_else_after_the_double_colon_is_no_join_token(string tail) =>
        Assert.False(JoinToken.TryParse($"K10{Hash}{tail}", out _));

    [Fact]
    public void The_server_token_keeps_its_form_and_a_bootstrap_token_does_not_open_the_servers_bootstrap_endpoint()
    {
        Assert.True(JoinToken.TryParse($"K10{Hash}::server:s3cret", out var server));
        Assert.False(server.IsBootstrapToken);
        Assert.Equal($"K10{Hash}::server:<redacted>", server.ToString());
        Assert.True(server.Accepts($"K10{Hash}::server:s3cret"));
        Assert.False(server.Accepts($"K10{Hash}::abcdef.0123456789abcdef"));
    }
}
