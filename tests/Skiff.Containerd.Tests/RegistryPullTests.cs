using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Containerd.Registries;
using Skiff.Cri.V1;
using Skiff.Testing.Containerd;

namespace Skiff.Containerd.Tests;

/// <summary>
/// Issue 16: pulling from a private registry (a real docker-registry on 127.0.0.1 with its own CA and basic auth)
/// through the real containerd: the CRI pull carries a pull secret's credentials, and registries.yaml's mirror, CA
/// and credentials reach containerd through the files Skiff renders.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class RegistryPullTests(RuntimeFixture fixture) : IAsyncLifetime
{
    private readonly string work = Directory.CreateTempSubdirectory("skiff-registry-test-").FullName;
    private LocalRegistry? registry;
    private string archive = string.Empty;
    private string tag = string.Empty;

    public async Task InitializeAsync()
    {
        if (fixture.SkipReason is not null)
        {
            return;
        }

        registry = await LocalRegistry.StartAsync(CancellationToken.None);
        tag = Guid.NewGuid().ToString("N")[..8];
        archive = await TinyHttpImage.BuildArchiveAsync(work, $"docker.io/skiff-test/tiny-http:{tag}");
        await registry.PushAsync(archive, $"team/tiny:{tag}", CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (registry is not null)
        {
            await registry.DisposeAsync();
        }

        Directory.Delete(work, recursive: true);
    }

    [SkippableFact]
    public async Task A_pull_with_the_secrets_credentials_succeeds_and_an_anonymous_one_is_refused()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri.Images;
        // Trust the registry's CA the way registries.yaml's ca_file does: a hosts.toml containerd reads on each pull.
        var config = RegistriesFile.Parse($"configs:\n  \"{registry!.Host}\":\n    tls:\n      ca_file: {registry.CaFile}\n");
        foreach (var (host, toml) in RegistryHostsFiles.Render(config))
        {
            Directory.CreateDirectory(Path.Combine(fixture.Containerd.Options.RegistryConfigDir, host));
            await File.WriteAllTextAsync(Path.Combine(fixture.Containerd.Options.RegistryConfigDir, host, "hosts.toml"), toml);
        }

        var image = new ImageSpec { Image = $"{registry.Host}/team/tiny:{tag}" };
        var refused = await Assert.ThrowsAsync<RpcException>(async () => await cri.PullImageAsync(new PullImageRequest { Image = image }));
        Assert.True(refused.Status.Detail.Contains("401 Unauthorized", StringComparison.Ordinal), refused.Status.Detail);

        var wrong = new AuthConfig { Username = LocalRegistry.User, Password = "wrong" };
        await Assert.ThrowsAsync<RpcException>(async () => await cri.PullImageAsync(new PullImageRequest { Image = image, Auth = wrong }));

        var auth = new AuthConfig { Username = LocalRegistry.User, Password = LocalRegistry.Password };
        var pulled = await cri.PullImageAsync(new PullImageRequest { Image = image, Auth = auth });

        Assert.StartsWith("sha256:", pulled.ImageRef, StringComparison.Ordinal);
        var status = await cri.ImageStatusAsync(new ImageStatusRequest { Image = image });
        Assert.Contains(image.Image, status.Image.RepoTags);
    }

    [SkippableFact]
    public async Task Registries_yaml_mirror_ca_and_credentials_serve_a_docker_hub_name_from_the_private_registry()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var yaml = $"""
            mirrors:
              docker.io:
                endpoint:
                  - "https://{registry!.Host}"
            configs:
              "{registry.Host}":
                auth:
                  username: {LocalRegistry.User}
                  password: {LocalRegistry.Password}
                tls:
                  ca_file: {registry.CaFile}
            """;
        var options = IsolatedNodeNetwork.Options(Path.Combine(work, "node")) with { Registries = RegistriesFile.Parse(yaml) };
        await using var containerd = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);

        // Docker Hub has no skiff-mirror/... image and is unreachable here: only the mirror can answer.
        var image = new ImageSpec { Image = $"docker.io/team/tiny:{tag}" };
        var pulled = await containerd.Cri.Images.PullImageAsync(new PullImageRequest { Image = image });

        Assert.StartsWith("sha256:", pulled.ImageRef, StringComparison.Ordinal);
        var status = await containerd.Cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = image });
        Assert.Contains($"docker.io/team/tiny:{tag}", status.Image.RepoTags);
    }
}
