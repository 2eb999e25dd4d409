using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Which images the runtime has, shared by all pod workers: a burst of pods of one image asks ImageStatus once, not
/// once per container start. Only "present" answers are kept, and each for at most <see cref="Lifetime"/>: an image is
/// removed only from outside the kubelet (it has no image garbage collection), and a container create that fails
/// drops the image's answer, so the next start asks the runtime again and pulls a missing image as before.
/// </summary>
public sealed class ImagePresence(IImageService images, TimeProvider time)
{
    /// <summary>How long a "present" answer is trusted.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, long> presentSince = new(StringComparer.Ordinal);

    /// <summary>True when the runtime has <paramref name="image"/> (asked unless it said so within <see cref="Lifetime"/>).</summary>
    public async Task<bool> IsPresentAsync(string image, CancellationToken cancellationToken)
    {
        lock (presentSince)
        {
            if (presentSince.TryGetValue(image, out var since) && time.GetElapsedTime(since) < Lifetime)
            {
                return true;
            }
        }

        var status = await images.ImageStatusAsync(new Cri.V1.ImageSpec { Image = image }, cancellationToken);
        if (status is null)
        {
            Forget(image);
            return false;
        }

        Present(image);
        return true;
    }

    /// <summary>The runtime has the image now (it was just pulled).</summary>
    public void Present(string image)
    {
        lock (presentSince)
        {
            presentSince[image] = time.GetTimestamp();
        }
    }

    /// <summary>Ask the runtime next time (a container of this image could not be created).</summary>
    public void Forget(string image)
    {
        lock (presentSince)
        {
            presentSince.Remove(image);
        }
    }
}
