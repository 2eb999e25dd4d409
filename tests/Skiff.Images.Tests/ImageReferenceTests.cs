namespace Skiff.Images.Tests;

/// <summary>References normalised as containerd's CRI plugin does (docker's ParseDockerRef).</summary>
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("nginx", "docker.io/library/nginx:latest")]
    [InlineData("nginx:1.27", "docker.io/library/nginx:1.27")]
    [InlineData("library/nginx", "docker.io/library/nginx:latest")]
    [InlineData("docker.io/nginx", "docker.io/library/nginx:latest")]
    [InlineData("index.docker.io/nginx", "docker.io/library/nginx:latest")]
    [InlineData("me/app:v1", "docker.io/me/app:v1")]
    [InlineData("localhost/app", "localhost/app:latest")]
    [InlineData("localhost:5000/app", "localhost:5000/app:latest")]
    [InlineData("127.0.0.1:5000/team/app:2", "127.0.0.1:5000/team/app:2")]
    [InlineData("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10")]
    [InlineData("nginx@sha256:0123abcd", "docker.io/library/nginx@sha256:0123abcd")]
    [InlineData("nginx:1.27@sha256:0123abcd", "docker.io/library/nginx@sha256:0123abcd")]
    public void Normalises_as_cri(string given, string expected) => Assert.Equal(expected, ImageReference.Normalize(given));

    [Theory]
    [InlineData("Nginx")]
    [InlineData("nginx:")]
    [InlineData("/nginx")]
    [InlineData("nginx@0123")]
    public void Rejects_invalid_references(string given) => Assert.Throws<FormatException>(() => ImageReference.Normalize(given));
}

public sealed class ImageImporterOutputTests
{
    [Fact]
    public void Reads_the_references_ctr_unpacked()
    {
        const string output = "unpacking docker.io/me/app:v1 (sha256:aa11)...done\nunpacking docker.io/me/app:v2 (sha256:bb22)...done\n";
        Assert.Equal(["docker.io/me/app:v1", "docker.io/me/app:v2"], ImageImporter.ImportedReferences(output));
    }

    [Theory]
    [InlineData("a.tar", true)]
    [InlineData("b.TAR.GZ", true)]
    [InlineData("c.tgz", true)]
    [InlineData("notes.txt", false)]
    [InlineData("d.tar.zst", false)]
    public void Air_gap_folder_takes_tar_and_gzip_archives(string name, bool taken) => Assert.Equal(taken, AirGapImages.IsArchiveName(name));
}
