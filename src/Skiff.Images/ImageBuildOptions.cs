using Skiff.Images.Recipes;

namespace Skiff.Images;

/// <summary>Where to cache built archives and which containerd to import them into.</summary>
public sealed record ImageBuildOptions
{
    /// <summary>Directory for built OCI archives (<c>&lt;name&gt;-r&lt;revision&gt;.oci.tar</c>); reused on later runs.</summary>
    public required string CacheDir { get; init; }

    /// <summary>containerd's socket; null to only build the archives.</summary>
    public string? ContainerdAddress { get; init; }

    /// <summary>containerd namespace; CRI only sees images in <c>k8s.io</c>.</summary>
    public string Namespace { get; init; } = WellKnownImages.CriNamespace;

    /// <summary>The <c>ctr</c> client used for listing and importing.</summary>
    public string CtrBinary { get; init; } = "ctr";

    /// <summary>Images to make; default pause, busybox and nginx.</summary>
    public IReadOnlyList<IImageRecipe> Recipes { get; init; } = DefaultRecipes;

    public static IReadOnlyList<IImageRecipe> DefaultRecipes { get; } =
        [new PauseImageRecipe(), new BusyboxImageRecipe(), new NginxImageRecipe()];
}

/// <summary>What happened to one image.</summary>
/// <param name="Built">False when the cached archive was reused.</param>
/// <param name="Imported">False when containerd already had this exact manifest under the reference (or no containerd was given).</param>
public sealed record ImageBuildResult(string Reference, string ArchivePath, string ManifestDigest, bool Built, bool Imported, TimeSpan Elapsed);
