namespace Skiff.Images.Tests;

public sealed class RootfsTests
{
    [Fact]
    public void Parent_directories_are_added_as_0755()
    {
        var rootfs = new Rootfs().File("/usr/share/doc/readme", "x");
        Assert.Equal(["usr", "usr/share", "usr/share/doc", "usr/share/doc/readme"], rootfs.Entries.Select(e => e.Path));
        Assert.All(rootfs.Entries.Where(e => e.Kind == RootfsEntryKind.Directory), e => Assert.Equal(Rootfs.DirectoryMode, e.Mode));
    }

    [Fact]
    public void An_explicit_directory_mode_replaces_the_default()
    {
        var rootfs = new Rootfs().File("tmp/x", "x").Directory("tmp", (UnixFileMode)0b1_111_111_111);
        Assert.Equal((UnixFileMode)0b1_111_111_111, rootfs.Entries.Single(e => e.Path == "tmp").Mode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("a/../b")]
    [InlineData("a//b")]
    [InlineData("./a")]
    public void Paths_that_escape_or_are_empty_are_refused(string path)
    {
        Assert.Throws<ArgumentException>(() => new Rootfs().File(path, "x"));
    }

    [Fact]
    public void A_file_cannot_live_below_a_file()
    {
        var rootfs = new Rootfs().File("etc", "x");
        Assert.Throws<InvalidOperationException>(() => rootfs.File("etc/passwd", "x"));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void CopyTree_keeps_symlinks_and_modes()
    {
        var source = Directory.CreateTempSubdirectory("skiff-rootfs-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(source, "conf"), "x");
            File.SetUnixFileMode(Path.Combine(source, "conf"), (UnixFileMode)0b110_000_000);
            Directory.CreateDirectory(Path.Combine(source, "sub"));
            File.CreateSymbolicLink(Path.Combine(source, "sub", "link"), "/etc/elsewhere");
            var rootfs = new Rootfs().CopyTree(source, "etc/app");
            var conf = rootfs.Entries.Single(e => e.Path == "etc/app/conf");
            Assert.Equal(RootfsEntryKind.File, conf.Kind);
            Assert.Equal((UnixFileMode)0b110_000_000, conf.Mode);
            var link = rootfs.Entries.Single(e => e.Path == "etc/app/sub/link");
            Assert.Equal(RootfsEntryKind.Symlink, link.Kind);
            Assert.Equal("/etc/elsewhere", link.LinkTarget);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }
}
