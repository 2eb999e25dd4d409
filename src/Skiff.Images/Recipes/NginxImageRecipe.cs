using System.Text.RegularExpressions;

namespace Skiff.Images.Recipes;

/// <summary>
/// nginx from Debian's <c>nginx</c> and <c>nginx-common</c> packages, downloaded with <c>apt-get download</c> and
/// unpacked with <c>dpkg -x</c> (never installed on the host: its postinst would start a server on port 80). The image
/// holds the binary, the shared libraries it links (copied from the host), Debian's /etc/nginx files with the
/// official image's configuration layout (<see cref="NginxOfficialConfig"/>), the stock welcome page at
/// /usr/share/nginx/html, logs pointed at stdout/stderr, and busybox as shell and core utilities.
/// </summary>
public sealed partial class NginxImageRecipe : IImageRecipe
{
    public static readonly IReadOnlyList<string> Packages = ["nginx", "nginx-common"];

    public string Name => "nginx";

    public string Reference => WellKnownImages.Nginx;

    public int Revision => 2;

    public async Task<(Rootfs Rootfs, ImageConfig Config)> BuildAsync(string workDirectory, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var debs = Directory.CreateDirectory(Path.Combine(workDirectory, "debs")).FullName;
        var staging = Directory.CreateDirectory(Path.Combine(workDirectory, "staging")).FullName;

        progress.Report($"nginx: apt-get download {string.Join(' ', Packages)}");
        var download = await ExternalCommand.RunAsync("apt-get", ["download", .. Packages], debs, cancellationToken).ConfigureAwait(false);
        if (download.ExitCode != 0)
        {
            throw new ImageBuildException(ExplainDownloadFailure(download.Stderr));
        }

        foreach (var deb in Directory.GetFiles(debs, "*.deb").Order(StringComparer.Ordinal))
        {
            progress.Report("nginx: unpacking " + Path.GetFileName(deb));
            await ExternalCommand.RunCheckedAsync("dpkg", ["-x", deb, staging], debs, cancellationToken).ConfigureAwait(false);
        }

        var nginx = Path.Combine(staging, "usr/sbin/nginx");
        if (!File.Exists(nginx))
        {
            throw new ImageBuildException("The nginx package did not contain usr/sbin/nginx.");
        }

        var rootfs = new Rootfs().FileFromHost("usr/sbin/nginx", nginx, Rootfs.ExecutableMode);
        foreach (var library in await SharedLibrariesAsync(nginx, workDirectory, cancellationToken).ConfigureAwait(false))
        {
            rootfs.FileFromHost(library, library, Rootfs.ExecutableMode);
        }

        // Debian's /etc/nginx (mime.types, fastcgi_params, snippets...) with the official image's nginx.conf and
        // conf.d/default.conf in place of Debian's sites-enabled layout.
        rootfs.CopyTree(Path.Combine(staging, "etc/nginx"), "etc/nginx");
        rootfs.File("etc/nginx/nginx.conf", NginxOfficialConfig.NginxConf);
        rootfs.File("etc/nginx/conf.d/default.conf", NginxOfficialConfig.DefaultServer);
        rootfs.FileFromHost("usr/share/nginx/html/index.html", Path.Combine(staging, "usr/share/nginx/html/index.html"));
        rootfs.File("usr/share/nginx/html/50x.html", NginxOfficialConfig.ErrorPage);

        var uid = NginxOfficialConfig.NginxUid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        CommonFiles.AddBaseSystem(
            rootfs,
            extraUsers: $"nginx:x:{uid}:{uid}:nginx user:/nonexistent:/bin/false\n",
            extraGroups: $"nginx:x:{uid}:\n");
        rootfs.Symlink("var/run", "/run");
        rootfs.Directory("var/cache/nginx");
        rootfs.Directory("var/lib/nginx");
        rootfs.Symlink("var/log/nginx/access.log", "/dev/stdout");
        rootfs.Symlink("var/log/nginx/error.log", "/dev/stderr");
        rootfs.Directory("root", (UnixFileMode)0b111_000_000);

        // The official image is Debian with bash and coreutils; here busybox's applets give the shell and core
        // utilities that `kubectl exec -- sh`, exec probes and scripts expect.
        await BusyboxApplets.AddAsync(rootfs, Name, workDirectory, progress, cancellationToken).ConfigureAwait(false);

        return (rootfs, new ImageConfig
        {
            // As the official image's CMD, so `command:` or `args:` replace it the same way.
            Cmd = ["nginx", "-g", "daemon off;"],
            ExposedPorts = ["80/tcp"],
            StopSignal = "SIGQUIT",
        });
    }

    /// <summary>The error for a failed <c>apt-get download</c>, with what to do about it.</summary>
    internal static string ExplainDownloadFailure(string stderr)
    {
        var why = stderr.Trim();
        var listsMissing = why.Contains("Unable to locate package", StringComparison.Ordinal)
            || why.Contains("has no installation candidate", StringComparison.Ordinal)
            || why.Contains("Can't select", StringComparison.Ordinal);
        var hint = listsMissing
            ? "The package lists look empty: run 'apt-get update' once, then try again."
            : "Check that the Debian mirror is reachable ('apt-get update' shows it).";
        return $"apt-get download {string.Join(' ', Packages)} failed: {why} {hint}";
    }

    /// <summary>Absolute paths of the host libraries (and the dynamic loader) <paramref name="binary"/> needs.</summary>
    private static async Task<IReadOnlyList<string>> SharedLibrariesAsync(string binary, string workDirectory, CancellationToken cancellationToken)
    {
        var output = await ExternalCommand.RunCheckedAsync("ldd", [binary], workDirectory, cancellationToken).ConfigureAwait(false);
        var missing = new List<string>();
        var libraries = new List<string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Contains("=> not found", StringComparison.Ordinal))
            {
                missing.Add(line.Split(' ')[0]);
                continue;
            }

            var match = LibraryPath().Match(line);
            if (match.Success)
            {
                libraries.Add(match.Groups["path"].Value);
            }
        }

        if (missing.Count > 0)
        {
            throw new ImageBuildException($"nginx needs libraries this host lacks: {string.Join(", ", missing)} (apt-get install the packages that provide them).");
        }

        return libraries;
    }

    // "libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    [GeneratedRegex(@"(?:=>\s*|^)(?<path>/\S+)\s+\(0x[0-9a-f]+\)$")]
    private static partial Regex LibraryPath();
}
