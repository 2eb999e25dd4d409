namespace Skiff.Images.Tests;

public sealed class ContainerdImageStoreTests
{
    [Fact]
    public void Parses_ctr_images_ls_into_reference_and_manifest_digest()
    {
        const string output = """
            REF                                                                    TYPE                                    DIGEST                                                                  SIZE    PLATFORMS   LABELS
            docker.io/library/nginx:latest                                         application/vnd.oci.image.manifest.v1+json sha256:903a0b34aa                                        3.9 MiB linux/amd64 io.cri-containerd.image=managed
            sha256:2a36d93d                                                        application/vnd.oci.image.manifest.v1+json sha256:903a0b34aa                                        3.9 MiB linux/amd64 io.cri-containerd.image=managed
            """;
        var images = ContainerdImageStore.ParseImageList(output);
        Assert.Equal("sha256:903a0b34aa", images["docker.io/library/nginx:latest"]);
        Assert.Equal(2, images.Count);
    }

    [Fact]
    public void An_empty_listing_has_no_images()
    {
        Assert.Empty(ContainerdImageStore.ParseImageList("REF TYPE DIGEST SIZE PLATFORMS LABELS\n"));
    }
}
