using System.Text;
using Skiff.Kubelet.Images;

namespace Skiff.Kubelet.Tests.Images;

/// <summary>Lookups as upstream's credential provider keyring answers them (pkg/credentialprovider keyring tests).</summary>
public sealed class DockerKeyringTests
{
    private static DockerKeyring Keyring(string auths)
    {
        var keyring = new DockerKeyring();
        Assert.True(keyring.Add(Encoding.UTF8.GetBytes("{\"auths\":" + auths + "}"), legacyFormat: false));
        return keyring;
    }

    private static string Entry(string user) => $"{{\"username\":\"{user}\",\"password\":\"pw-{user}\"}}";

    [Theory]
    [InlineData("nginx", "index.docker.io/library/nginx")]
    [InlineData("nginx:1.27", "index.docker.io/library/nginx")]
    [InlineData("user/app@sha256:abcd", "index.docker.io/user/app")]
    [InlineData("docker.io/library/busybox:latest", "index.docker.io/library/busybox")]
    [InlineData("registry.example:5000/team/app:1", "registry.example:5000/team/app")]
    [InlineData("localhost/app", "localhost/app")]
    public void Images_are_reduced_to_their_repository(string image, string repository) =>
        Assert.Equal(repository, DockerKeyring.RepositoryOf(image));

    [Theory]
    [InlineData("https://index.docker.io/v1/", "nginx", true)]
    [InlineData("docker.io", "user/app:2", true)]
    [InlineData("docker.io", "quay.io/app", false)]
    [InlineData("registry.example:5000", "registry.example:5000/team/app", true)]
    [InlineData("registry.example:5000", "registry.example/team/app", false)]
    [InlineData("registry.example", "registry.example:5000/team/app", false)]
    [InlineData("*.example.com", "eu.example.com/app", true)]
    [InlineData("*.example.com", "a.b.example.com/app", false)]
    [InlineData("registry.example/team", "registry.example/team/app", true)]
    [InlineData("registry.example/team", "registry.example/other/app", false)]
    [InlineData("http://registry.example/v2/team/", "registry.example/team/app", true)]
    public void A_key_matches_by_host_labels_port_and_path_prefix(string key, string image, bool matches)
    {
        var keyring = Keyring($"{{\"{key}\":{Entry("u")}}}");

        Assert.Equal(matches, keyring.Lookup(image).Count == 1);
    }

    [Fact]
    public void More_specific_keys_come_first_and_auth_wins_over_separate_fields()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes("team:pw:with:colons"));
        var team = $"{{\"username\":\"ignored\",\"password\":\"ignored\",\"auth\":\"{auth}\"}}";
        var keyring = Keyring($"{{\"registry.example\":{Entry("host")},\"registry.example/team\":{team}}}");

        var found = keyring.Lookup("registry.example/team/app:1");

        Assert.Equal([("team", "pw:with:colons"), ("host", "pw-host")], found.Select(c => (c.Username, c.Password)));
        Assert.Equal("registry.example/team", found[0].ServerAddress);
    }

    [Fact]
    public void The_legacy_dockercfg_shape_is_read_and_malformed_documents_add_nothing()
    {
        var keyring = new DockerKeyring();
        Assert.True(keyring.Add(Encoding.UTF8.GetBytes($"{{\"quay.io\":{Entry("q")}}}"), legacyFormat: true));
        Assert.False(keyring.Add("not json"u8, legacyFormat: false));
        Assert.False(keyring.Add("{\"quay.io\":{}}"u8, legacyFormat: false));

        Assert.Equal("q", Assert.Single(keyring.Lookup("quay.io/org/app")).Username);
        Assert.Empty(keyring.Lookup("nginx"));
    }
}
