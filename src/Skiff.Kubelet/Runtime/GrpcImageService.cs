using Skiff.Cri.V1;

namespace Skiff.Kubelet.Runtime;

/// <summary><see cref="IImageService"/> over a CRI gRPC client.</summary>
public sealed class GrpcImageService(ImageService.ImageServiceClient client) : IImageService
{
    public async Task<Image?> ImageStatusAsync(ImageSpec image, CancellationToken cancellationToken)
    {
        var response = await client.ImageStatusAsync(
            new ImageStatusRequest { Image = image }, cancellationToken: cancellationToken);
        return response.Image;
    }

    public async Task<string> PullImageAsync(
        ImageSpec image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken)
    {
        var request = new PullImageRequest { Image = image };
        if (auth is not null)
        {
            request.Auth = auth;
        }

        if (sandboxConfig is not null)
        {
            request.SandboxConfig = sandboxConfig;
        }

        var response = await client.PullImageAsync(request, cancellationToken: cancellationToken);
        return response.ImageRef;
    }
}
