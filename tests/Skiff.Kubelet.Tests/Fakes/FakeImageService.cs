using Grpc.Core;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>Images the runtime has; pulls fail like containerd's with no registry unless the test allows them.</summary>
public sealed class FakeImageService : IImageService
{
    public HashSet<string> Present { get; } = new(StringComparer.Ordinal) { "busybox", "nginx" };

    public bool PullSucceeds { get; set; }

    public List<string> Calls { get; } = [];

    public Task<Image?> ImageStatusAsync(ImageSpec image, CancellationToken cancellationToken)
    {
        Calls.Add("ImageStatus " + image.Image);
        return Task.FromResult(Present.Contains(image.Image) ? new Image { Id = "sha256:feed", Size = 71_680_000 } : null);
    }

    /// <summary>When set, a pull succeeds only with these credentials (as a private registry).</summary>
    public (string User, string Password)? RequiredCredentials { get; set; }

    public Task<string> PullImageAsync(ImageSpec image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken)
    {
        Calls.Add("PullImage " + image.Image + (auth is null ? string.Empty : $" as {auth.Username}"));
        if (RequiredCredentials is { } required && (auth?.Username != required.User || auth.Password != required.Password))
        {
            throw new RpcException(new Status(StatusCode.Unknown,
                $"failed to pull and unpack image \"{image.Image}\": failed to resolve reference: pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials"));
        }

        if (!PullSucceeds)
        {
            throw new RpcException(new Status(StatusCode.Unknown,
                $"failed to pull and unpack image \"{image.Image}\": failed to resolve reference: no such host"));
        }

        Present.Add(image.Image);
        return Task.FromResult("sha256:feed");
    }
}
