namespace Skiff.Images.Recipes;

/// <summary>The few files and directories every userland image here needs.</summary>
internal static class CommonFiles
{
    public const UnixFileMode StickyWorldWritable = (UnixFileMode)0b1_111_111_111; // 1777

    public static void AddBaseSystem(Rootfs rootfs, string extraUsers = "", string extraGroups = "")
    {
        rootfs.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n" + extraUsers + "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        rootfs.File("etc/group", "root:x:0:\n" + extraGroups + "nogroup:x:65534:\n");
        rootfs.File("etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files dns\n");
        rootfs.Directory("tmp", StickyWorldWritable);
        rootfs.Directory("dev");
        rootfs.Directory("proc");
        rootfs.Directory("sys");
        rootfs.Directory("run");
        rootfs.Directory("var");
    }
}
