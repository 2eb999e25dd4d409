using Skiff.Cli.Config;

namespace Skiff.Cli.Tests;

public sealed class KubeconfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-cli-kubeconfig-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string currentContext, params (string Context, string Server, string? Namespace)[] contexts)
    {
        var text = new System.Text.StringBuilder("apiVersion: v1\nkind: Config\n");
        if (currentContext.Length > 0)
        {
            text.Append($"current-context: {currentContext}\n");
        }

        text.Append("clusters:\n");
        foreach (var c in contexts)
        {
            text.Append($"- name: {c.Context}\n  cluster:\n    server: {c.Server}\n");
        }

        text.Append("users:\n");
        foreach (var c in contexts)
        {
            text.Append($"- name: {c.Context}\n  user:\n    token: t-{c.Context}\n");
        }

        text.Append("contexts:\n");
        foreach (var c in contexts)
        {
            text.Append($"- name: {c.Context}\n  context:\n    cluster: {c.Context}\n    user: {c.Context}\n");
            if (c.Namespace is not null)
            {
                text.Append($"    namespace: {c.Namespace}\n");
            }
        }

        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void Flag_beats_KUBECONFIG_which_beats_home()
    {
        Assert.Equal(["/x/flag"], KubeconfigResolver.ConfigPaths("/x/flag", "/a:/b", "/home/u"));
        Assert.Equal(["/home/u/.kube/config"], KubeconfigResolver.ConfigPaths(null, null, "/home/u"));
        var a = Write("a", "one", ("one", "https://127.0.0.1:1", null));
        Assert.Equal([a], KubeconfigResolver.ConfigPaths(null, $"{a}:{Path.Combine(_dir, "missing")}:{a}", "/home/u"));
    }

    [Fact]
    public async Task Uses_the_current_context_and_its_namespace()
    {
        var path = Write("config", "dev", ("dev", "https://127.0.0.1:6443", "team"), ("prod", "https://127.0.0.1:7443", null));
        var resolved = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(path, null, null), _ => null);
        Assert.Equal("https://127.0.0.1:6443", resolved.Client.Host.TrimEnd('/'));
        Assert.Equal("team", resolved.Namespace);
        Assert.False(resolved.NamespaceFromFlag);
    }

    [Fact]
    public async Task Context_and_namespace_flags_override()
    {
        var path = Write("config", "dev", ("dev", "https://127.0.0.1:6443", "team"), ("prod", "https://127.0.0.1:7443", null));
        var resolved = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(path, "prod", null), _ => null);
        Assert.Equal("https://127.0.0.1:7443", resolved.Client.Host.TrimEnd('/'));
        Assert.Equal("default", resolved.Namespace);
        var withNamespace = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(path, "prod", "other"), _ => null);
        Assert.Equal("other", withNamespace.Namespace);
        Assert.True(withNamespace.NamespaceFromFlag);
    }

    [Fact]
    public async Task KUBECONFIG_files_are_merged_and_the_first_wins()
    {
        var first = Write("first", "", ("shared", "https://127.0.0.1:1111", null));
        var second = Write("second", "only", ("shared", "https://127.0.0.1:2222", null), ("only", "https://127.0.0.1:3333", "ns3"));
        var env = new Dictionary<string, string?> { ["KUBECONFIG"] = $"{first}:{second}", ["HOME"] = _dir };
        var resolved = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(null, null, null), k => env.GetValueOrDefault(k));
        Assert.Equal("https://127.0.0.1:3333", resolved.Client.Host.TrimEnd('/'));
        Assert.Equal("ns3", resolved.Namespace);
        var shared = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(null, "shared", null), k => env.GetValueOrDefault(k));
        Assert.Equal("https://127.0.0.1:1111", shared.Client.Host.TrimEnd('/'));
    }

    [Fact]
    public async Task Home_config_is_used_when_nothing_else_is_set_and_errors_are_kubectls()
    {
        Directory.CreateDirectory(Path.Combine(_dir, ".kube"));
        File.Copy(Write("c", "dev", ("dev", "https://127.0.0.1:4444", null)), Path.Combine(_dir, ".kube", "config"));
        var env = new Dictionary<string, string?> { ["HOME"] = _dir };
        var resolved = await KubeconfigResolver.ResolveAsync(new ConnectionFlags(null, null, null), k => env.GetValueOrDefault(k));
        Assert.Equal("https://127.0.0.1:4444", resolved.Client.Host.TrimEnd('/'));
        var missingContext = await Assert.ThrowsAsync<CliException>(() => KubeconfigResolver.ResolveAsync(new ConnectionFlags(null, "nope", null), k => env.GetValueOrDefault(k)));
        Assert.Equal("context was not found for specified context: nope", missingContext.Message);
        await Assert.ThrowsAsync<CliException>(() => KubeconfigResolver.ResolveAsync(new ConnectionFlags(Path.Combine(_dir, "absent"), null, null), _ => null));
    }
}
