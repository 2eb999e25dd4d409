using Skiff.Cri.V1;

namespace Skiff.Kubelet.Runtime;

/// <summary>The CRI ImageService calls the kubelet makes (see <see cref="IRuntimeService"/> for why it is an interface).</summary>
public interface IImageService
{
    /// <summary>The image, or null when the runtime does not have it.</summary>
    Task<Image?> ImageStatusAsync(ImageSpec image, CancellationToken cancellationToken);

    /// <summary>Pulls from the registry (always contacts it, even when the image is present), with
    /// <paramref name="auth"/> when given; returns the image ref.</summary>
    Task<string> PullImageAsync(ImageSpec image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken);
}
