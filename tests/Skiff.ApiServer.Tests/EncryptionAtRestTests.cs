using System.Security.Cryptography;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer.Encryption;
using Skiff.Storage.Sqlite;

namespace Skiff.ApiServer.Tests;

/// <summary>Secrets encrypted at rest as kube-apiserver's EncryptionConfiguration does: the providers' stored formats,
/// key rotation, and a real SQLite file that never holds the plaintext.</summary>
public sealed class EncryptionAtRestTests
{
    private static readonly string Key1 = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
    private static readonly string Key2 = Convert.ToBase64String(Enumerable.Range(101, 32).Select(i => (byte)i).ToArray());

    private static string Config(params string[] providers) => $"""
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
          - resources:
              - secrets
              - configmaps
            providers:
        {string.Concat(providers.Select(p => p + "\n"))}
        """;

    private static string Aesgcm(params (string Name, string Secret)[] keys) =>
        "      - aesgcm:\n          keys:\n" + string.Concat(keys.Select(k => $"            - name: {k.Name}\n              secret: {k.Secret}\n"));

    private const string Identity = "      - identity: {}";

    [Theory]
    [InlineData("aesgcm")]
    [InlineData("aescbc")]
    [InlineData("secretbox")]
    public void Each_provider_round_trips_under_its_prefix(string kind)
    {
        var config = EncryptionConfiguration.Parse(Config($"      - {kind}:\n          keys:\n            - name: k1\n              secret: {Key1}"), ResourceCatalog.CreateBuiltIn().All);
        var chain = config.For("/registry/secrets/default/db")!;
        var stored = chain.ToStorage("{\"data\":{\"password\":\"aHVudGVyMg==\"}}"u8, "/registry/secrets/default/db");
        Assert.StartsWith($"k8s:enc:{kind}:v1:k1:", Encoding.ASCII.GetString(stored, 0, $"k8s:enc:{kind}:v1:k1:".Length));
        Assert.DoesNotContain("aHVudGVyMg", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
        Assert.Equal("{\"data\":{\"password\":\"aHVudGVyMg==\"}}", Encoding.UTF8.GetString(chain.FromStorage(stored, "/registry/secrets/default/db")));
        Assert.Null(config.For("/registry/pods/default/web"));
        Assert.NotNull(config.For("/registry/configmaps/default/x"));
    }

    [Fact]
    public void Aesgcm_binds_a_value_to_its_key_and_every_listed_key_reads()
    {
        var resources = ResourceCatalog.CreateBuiltIn().All;
        var old = EncryptionConfiguration.Parse(Config(Aesgcm(("key1", Key1))), resources).For("/registry/secrets/a/b")!;
        var stored = old.ToStorage("secret"u8, "/registry/secrets/a/b");
        Assert.ThrowsAny<CryptographicException>(() => old.FromStorage(stored, "/registry/secrets/a/other"));

        var rotated = EncryptionConfiguration.Parse(Config(Aesgcm(("key2", Key2), ("key1", Key1))), resources).For("/registry/secrets/a/b")!;
        Assert.Equal("secret", Encoding.UTF8.GetString(rotated.FromStorage(stored, "/registry/secrets/a/b")));
        Assert.StartsWith("k8s:enc:aesgcm:v1:key2:", Encoding.ASCII.GetString(rotated.ToStorage("secret"u8, "/registry/secrets/a/b")), StringComparison.Ordinal);

        // Plain values read only where identity is listed; ciphertext of an unknown key never passes as plain.
        Assert.ThrowsAny<CryptographicException>(() => rotated.FromStorage("{\"plain\":1}"u8, "/registry/secrets/a/b"));
        var withIdentity = EncryptionConfiguration.Parse(Config(Aesgcm(("key2", Key2)), Identity), resources).For("/registry/secrets/a/b")!;
        Assert.Equal("{\"plain\":1}", Encoding.UTF8.GetString(withIdentity.FromStorage("{\"plain\":1}"u8, "/registry/secrets/a/b")));
        Assert.ThrowsAny<CryptographicException>(() => withIdentity.FromStorage(stored, "/registry/secrets/a/b"));
    }

    [Fact]
    public void Bad_configurations_are_refused_with_a_reason()
    {
        var resources = ResourceCatalog.CreateBuiltIn().All;
        Assert.Contains("aescbc", Assert.Throws<FormatException>(() => EncryptionConfiguration.Parse(Config($"      - aescbc:\n          keys:\n            - name: k\n              secret: {Convert.ToBase64String(new byte[7])}"), resources)).Message, StringComparison.Ordinal);
        Assert.Contains("kms", Assert.Throws<FormatException>(() => EncryptionConfiguration.Parse(Config("      - kms: {}"), resources)).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => EncryptionConfiguration.Parse("kind: Pod", resources));
    }

    [Fact]
    public async Task Secrets_in_the_sqlite_file_are_ciphertext_and_a_replace_after_rotation_re_encrypts()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-enc-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var configPath = Path.Combine(dir, "encryption.yaml");
        var plaintext = "correct-horse-battery-staple";
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext));
        try
        {
            await File.WriteAllTextAsync(configPath, Config(Aesgcm(("key1", Key1)), Identity));
            await using (var store = await SqliteStore.OpenAsync(Path.Combine(dir, "state.db"), SqliteStoreOptions.Default, CancellationToken.None))
            {
                // A secret written before encryption was configured stays readable (identity) until rewritten.
                await using (var plainServer = await StartAsync(dir, store, null))
                {
                    using var client = Client(plainServer);
                    await client.CoreV1.CreateNamespacedSecretAsync(Secret("before", "cGxhaW4="), "default");
                }

                await using (var server = await StartAsync(dir, store, configPath))
                {
                    using var client = Client(server);
                    await client.CoreV1.CreateNamespacedSecretAsync(Secret("db", encoded), "default");
                    Assert.Equal(plaintext, Encoding.UTF8.GetString((await client.CoreV1.ReadNamespacedSecretAsync("db", "default")).Data["password"]));
                    Assert.Equal("plain", Encoding.UTF8.GetString((await client.CoreV1.ReadNamespacedSecretAsync("before", "default")).Data["password"]));
                }
            }

            var raw = RawBytes(dir);
            Assert.DoesNotContain(encoded, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(plaintext, raw, StringComparison.Ordinal);
            Assert.Contains("k8s:enc:aesgcm:v1:key1:", raw, StringComparison.Ordinal);

            // Rotation: key2 first, key1 still listed; replacing the secret writes it under key2.
            await File.WriteAllTextAsync(configPath, Config(Aesgcm(("key2", Key2), ("key1", Key1)), Identity));
            await using (var store = await SqliteStore.OpenAsync(Path.Combine(dir, "state.db"), SqliteStoreOptions.Default, CancellationToken.None))
            await using (var server = await StartAsync(dir, store, configPath))
            {
                using var client = Client(server);
                var secret = await client.CoreV1.ReadNamespacedSecretAsync("db", "default");
                Assert.Equal(plaintext, Encoding.UTF8.GetString(secret.Data["password"]));
                await client.CoreV1.ReplaceNamespacedSecretAsync(secret, "db", "default");
                var list = await client.CoreV1.ListNamespacedSecretAsync("default");
                Assert.Equal(2, list.Items.Count);
            }

            Assert.Contains("k8s:enc:aesgcm:v1:key2:", RawBytes(dir), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static V1Secret Secret(string name, string base64) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, byte[]> { ["password"] = Convert.FromBase64String(base64) } };

    private static Task<ApiServerHandle> StartAsync(string dir, Storage.IStore store, string? config) =>
        ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0, EncryptionProviderConfig = config },
            store, NullLoggerFactory.Instance, CancellationToken.None);

    private static Kubernetes Client(ApiServerHandle server) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));

    /// <summary>Everything SQLite wrote: the database file and its write-ahead log.</summary>
    private static string RawBytes(string dir) =>
        string.Concat(Directory.GetFiles(dir, "state.db*").Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
}
