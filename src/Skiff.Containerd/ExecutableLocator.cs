namespace Skiff.Containerd;

/// <summary>Resolves a program name the way a shell does: a path as given, a bare name through PATH.</summary>
public static class ExecutableLocator
{
    public static string? Find(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutable(program) ? Path.GetFullPath(program) : null;
        }

        // Daemons started without a login shell may lack the sbin directories in PATH; runc lives in /usr/sbin.
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var directories = path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, program);
            if (IsExecutable(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists && (info.UnixFileMode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
