namespace Skiff.Images;

/// <summary>Image references Skiff builds from the host's packages and imports into containerd.</summary>
public static class WellKnownImages
{
    /// <summary>
    /// The pod sandbox ("pause") image containerd is configured with. It is imported, never pulled: a missing
    /// sandbox image makes containerd try registry.k8s.io, which fails fast without network.
    /// </summary>
    public const string Pause = "registry.k8s.io/pause:3.10";

    /// <summary>busybox from Debian's busybox-static; what <c>image: busybox</c> resolves to.</summary>
    public const string Busybox = "docker.io/library/busybox:latest";

    /// <summary>nginx from Debian's nginx package; what <c>image: nginx</c> resolves to.</summary>
    public const string Nginx = "docker.io/library/nginx:latest";

    /// <summary>The containerd namespace the CRI plugin reads images from.</summary>
    public const string CriNamespace = "k8s.io";
}
