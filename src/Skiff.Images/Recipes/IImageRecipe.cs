namespace Skiff.Images.Recipes;

/// <summary>How to assemble one image from what the host has.</summary>
public interface IImageRecipe
{
    /// <summary>Short name, used for the cached archive's file name.</summary>
    string Name { get; }

    /// <summary>Full image reference, e.g. docker.io/library/nginx:latest.</summary>
    string Reference { get; }

    /// <summary>Bumped whenever the recipe changes what it produces, so cached archives are rebuilt.</summary>
    int Revision { get; }

    /// <summary>Builds the rootfs and config. <paramref name="workDirectory"/> is an empty scratch directory.</summary>
    Task<(Rootfs Rootfs, ImageConfig Config)> BuildAsync(string workDirectory, IProgress<string> progress, CancellationToken cancellationToken);
}
