namespace Skiff.Images;

/// <summary>
/// The file tree of a single-layer image, described before it is written: directories, files (copied from the host
/// or given inline) and symlinks, all owned by root unless said otherwise. Missing parent directories are added
/// with mode 0755. Adding a path twice replaces the earlier entry.
/// </summary>
public sealed class Rootfs
{
    public const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755
    public const UnixFileMode FileMode = (UnixFileMode)0b110_100_100; // 0644
    public const UnixFileMode ExecutableMode = DirectoryMode;

    private readonly SortedDictionary<string, RootfsEntry> entries = new(StringComparer.Ordinal);

    public IEnumerable<RootfsEntry> Entries => entries.Values;

    public int Count => entries.Count;

    public Rootfs Directory(string path, UnixFileMode mode = DirectoryMode, int uid = 0, int gid = 0)
    {
        Add(new RootfsEntry(Normalize(path), RootfsEntryKind.Directory, mode, uid, gid, null, null, null));
        return this;
    }

    /// <summary>A regular file with the contents of <paramref name="hostPath"/> (symlinks followed).</summary>
    public Rootfs FileFromHost(string path, string hostPath, UnixFileMode? mode = null)
    {
        var info = new FileInfo(hostPath);
        if (info.LinkTarget is not null)
        {
            info = (FileInfo?)info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        }

        if (!info.Exists)
        {
            throw new FileNotFoundException($"{hostPath} does not exist on this machine.", hostPath);
        }

        Add(new RootfsEntry(Normalize(path), RootfsEntryKind.File, mode ?? (info.UnixFileMode & (UnixFileMode)0b111_111_111), 0, 0, info.FullName, null, null));
        return this;
    }

    public Rootfs File(string path, byte[] content, UnixFileMode mode = FileMode)
    {
        Add(new RootfsEntry(Normalize(path), RootfsEntryKind.File, mode, 0, 0, null, content, null));
        return this;
    }

    public Rootfs File(string path, string content, UnixFileMode mode = FileMode) =>
        File(path, System.Text.Encoding.UTF8.GetBytes(content), mode);

    public Rootfs Symlink(string path, string target)
    {
        Add(new RootfsEntry(Normalize(path), RootfsEntryKind.Symlink, (UnixFileMode)0b111_111_111, 0, 0, null, null, target));
        return this;
    }

    /// <summary>
    /// Copies the tree under <paramref name="hostDirectory"/> to <paramref name="path"/>: directories and files with
    /// their modes, symlinks as symlinks.
    /// </summary>
    public Rootfs CopyTree(string hostDirectory, string path)
    {
        var root = new DirectoryInfo(hostDirectory);
        if (!root.Exists)
        {
            throw new DirectoryNotFoundException($"{hostDirectory} does not exist.");
        }

        var target = Normalize(path);
        Directory(target, root.UnixFileMode & (UnixFileMode)0b111_111_111);
        foreach (var item in root.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root.FullName, item.FullName);
            var destination = target + "/" + relative;
            if (item.LinkTarget is not null)
            {
                Symlink(destination, item.LinkTarget);
            }
            else if (item is DirectoryInfo)
            {
                Directory(destination, item.UnixFileMode & (UnixFileMode)0b111_111_111);
            }
            else
            {
                FileFromHost(destination, item.FullName);
            }
        }

        return this;
    }

    public bool Contains(string path) => entries.ContainsKey(Normalize(path));

    private void Add(RootfsEntry entry)
    {
        var slash = entry.Path.LastIndexOf('/');
        if (slash > 0)
        {
            var parent = entry.Path[..slash];
            if (!entries.TryGetValue(parent, out var existing))
            {
                Directory(parent);
            }
            else if (existing.Kind != RootfsEntryKind.Directory)
            {
                throw new InvalidOperationException($"Cannot add {entry.Path}: {parent} is not a directory.");
            }
        }

        entries[entry.Path] = entry;
    }

    /// <summary>Paths inside the image, relative and without leading or trailing slashes: <c>usr/bin/env</c>.</summary>
    private static string Normalize(string path)
    {
        var normalized = path.Trim('/');
        if (normalized.Length == 0 || normalized.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"'{path}' is not a valid path inside an image.", nameof(path));
        }

        return normalized;
    }
}

public enum RootfsEntryKind
{
    Directory,
    File,
    Symlink,
}

/// <summary>One entry of a <see cref="Rootfs"/>. A file has either <see cref="HostPath"/> or <see cref="Content"/>.</summary>
public sealed record RootfsEntry(
    string Path,
    RootfsEntryKind Kind,
    UnixFileMode Mode,
    int Uid,
    int Gid,
    string? HostPath,
    byte[]? Content,
    string? LinkTarget);
