namespace Skiff.Containerd;

/// <summary>Finds the programs a containerd node needs and says which are missing and how to get them.</summary>
public static class RuntimePrerequisites
{
    /// <summary>CNI plugins the generated conflist uses, plus loopback which containerd's CRI plugin adds itself.</summary>
    public static readonly IReadOnlyList<string> CniPlugins = ["bridge", "host-local", "portmap", "loopback"];

    /// <summary>Returns one line per missing piece; empty when everything is there.</summary>
    public static IReadOnlyList<string> FindMissing(ContainerdOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var missing = new List<string>();
        if (ExecutableLocator.Find(options.ContainerdBinary) is null)
        {
            missing.Add($"'{options.ContainerdBinary}' not found (apt-get install containerd)");
        }

        // containerd starts shims and the shim starts runc, both found through PATH.
        if (ExecutableLocator.Find("containerd-shim-runc-v2") is null)
        {
            missing.Add("'containerd-shim-runc-v2' not found on PATH (apt-get install containerd)");
        }

        if (ExecutableLocator.Find("runc") is null)
        {
            missing.Add("'runc' not found on PATH (apt-get install runc)");
        }

        foreach (var plugin in CniPlugins)
        {
            if (!File.Exists(Path.Combine(options.CniBinDir, plugin)))
            {
                missing.Add($"CNI plugin '{plugin}' not found in {options.CniBinDir} (apt-get install containernetworking-plugins)");
            }
        }

        if (Environment.IsPrivilegedProcess is false)
        {
            missing.Add("not running as root: containerd needs root to create namespaces, cgroups, mounts and bridges");
        }

        return missing;
    }

    /// <summary>Throws <see cref="RuntimePrerequisiteException"/> listing everything missing.</summary>
    public static void EnsurePresent(ContainerdOptions options)
    {
        var missing = FindMissing(options);
        if (missing.Count > 0)
        {
            throw new RuntimePrerequisiteException(missing);
        }
    }
}

/// <summary>containerd, runc or the CNI plugins are not installed (or the process is not root).</summary>
public sealed class RuntimePrerequisiteException : Exception
{
    public RuntimePrerequisiteException(IReadOnlyList<string> missing)
        : base("Cannot run containers on this machine: " + string.Join("; ", missing) + ".")
    {
        Missing = missing;
    }

    public RuntimePrerequisiteException()
        : this([])
    {
    }

    public RuntimePrerequisiteException(string message)
        : base(message)
    {
        Missing = [message];
    }

    public RuntimePrerequisiteException(string message, Exception innerException)
        : base(message, innerException)
    {
        Missing = [message];
    }

    public IReadOnlyList<string> Missing { get; } = [];
}
