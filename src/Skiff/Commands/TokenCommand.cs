using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using k8s;
using Skiff.Api.Bootstrap;
using Skiff.Api.Cron;
using Skiff.ApiServer.Bootstrap;
using Skiff.Client.Api;

namespace Skiff.Commands;

/// <summary>
/// <c>skiff token create</c>: a bootstrap token for joining nodes, as <c>k3s token create</c> / <c>kubeadm token
/// create</c>: the Secret <c>kube-system/bootstrap-token-&lt;id&gt;</c> created through the API with the caller's
/// kubeconfig, and the join token <c>K10&lt;CA hash&gt;::&lt;id&gt;.&lt;secret&gt;</c> printed for
/// <c>skiff agent --token-file</c>. The controller manager deletes it when its TTL has passed.
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig")
        {
            Description = "Kubeconfig of the cluster (default: $KUBECONFIG, else ~/.kube/config).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(':')[0] is { Length: > 0 } env
                ? env
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config"),
        };
        var ttl = new Option<string>("--ttl") { Description = "How long the token is valid (Go duration, e.g. 24h, 90m; 0 = never expires).", DefaultValueFactory = _ => "24h" };
        var description = new Option<string?>("--description") { Description = "A human-readable note stored with the token." };
        var groups = new Option<string[]>("--groups")
        {
            Description = "Extra groups the token's user is in (each system:bootstrappers:...).",
            AllowMultipleArgumentsPerToken = true,
        };
        var create = new Command("create", "Create a bootstrap token and print the join token for `skiff agent --token-file`.") { kubeconfig, ttl, description, groups };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var (lifetime, error) = GoDuration.Parse(parse.GetValue(ttl)!);
            if (lifetime is not { } validFor || validFor < TimeSpan.Zero)
            {
                await Console.Error.WriteLineAsync($"error: invalid --ttl: {error ?? "must not be negative"}");
                return 1;
            }

            var extra = parse.GetValue(groups) ?? [];
            if (extra.FirstOrDefault(g => !g.StartsWith("system:bootstrappers:", StringComparison.Ordinal)) is { } wrong)
            {
                await Console.Error.WriteLineAsync($"error: group {wrong} does not start with system:bootstrappers:");
                return 1;
            }

            var path = Path.GetFullPath(parse.GetValue(kubeconfig)!);
            if (!File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"error: kubeconfig {path} does not exist");
                return 1;
            }

            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
            if (config.SslCaCerts?.Cast<X509Certificate2>().FirstOrDefault() is not { } ca)
            {
                await Console.Error.WriteLineAsync($"error: {path} names no certificate authority; the join token must carry its hash");
                return 1;
            }

            var api = ApiClients.FromConfiguration(config);
            var (id, secret) = BootstrapTokenSecrets.Generate();
            try
            {
                await api.CreateAsync(BootstrapTokenSecrets.Create(id, secret, validFor, DateTimeOffset.UtcNow, parse.GetValue(description), extra), cancellationToken);
            }
            catch (ApiException e)
            {
                await Console.Error.WriteLineAsync($"error: {e.Message}");
                return 1;
            }

            Console.WriteLine(new JoinToken(JoinToken.HashOf(ca), $"{id}.{secret}", IsBootstrapToken: true).Format());
            return 0;
        });
        return new Command("token", "Manage bootstrap tokens for joining nodes.") { create };
    }
}
