using System.CommandLine;
using Skiff.Hosting;
using Skiff.Images;

namespace Skiff.Commands;

/// <summary>
/// <c>skiff images</c>: builds the local images (pause, busybox, nginx) from the host's Debian packages as OCI
/// archives, and imports them into a containerd when given its socket. Its subcommands manage a running node's
/// images: <c>import FILE...</c> (docker save / OCI archives, plain or gzip, OCI layouts), <c>list</c> and
/// <c>remove REF</c>, all in containerd's <c>k8s.io</c> namespace, the one the kubelet's CRI sees.
/// </summary>
internal static class ImagesCommand
{
    public static Command Create()
    {
        var cacheDir = new Option<string>("--cache-dir") { Description = "Where the built OCI archives are kept.", DefaultValueFactory = _ => Path.Combine(DataDirectory.Default, "images") };
        var address = new Option<string?>("--containerd-address") { Description = "containerd socket to import into (namespace k8s.io); without it the archives are only built." };
        var command = new Command("images", "Build the local pause, busybox and nginx images from Debian packages and import them into containerd; import, list and remove a node's images.")
        {
            cacheDir, address,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var progress = new Progress<string>(Console.Error.WriteLine);
            var results = await ImageBuilder.EnsureImagesAsync(
                new ImageBuildOptions { CacheDir = Path.GetFullPath(parse.GetValue(cacheDir)!), ContainerdAddress = parse.GetValue(address) },
                progress,
                shutdown.Token);
            foreach (var result in results)
            {
                Console.WriteLine($"{result.Reference}\t{result.ManifestDigest}\t{result.ArchivePath}");
            }

            return 0;
        });
        command.Subcommands.Add(ImportCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RemoveCommand());
        return command;
    }

    private static Command ImportCommand()
    {
        var node = new NodeContainerdOptions();
        var files = new Argument<string[]>("FILE") { Description = "docker save archives, OCI archives (plain or gzip) or OCI layout directories.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("import", "Import image archives into the node's containerd (namespace k8s.io), as k3s's air-gap images.") { files };
        node.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var importer = new ImageImporter(node.Store(parse), TimeProvider.System);
            // Progress is reported synchronously so its lines come out in order.
            var progress = new ConsoleProgress();
            var failed = 0;
            foreach (var file in parse.GetValue(files)!)
            {
                try
                {
                    foreach (var reference in await importer.ImportAsync(Path.GetFullPath(file), progress, shutdown.Token))
                    {
                        Console.WriteLine(reference);
                    }
                }
                catch (Exception e) when (e is ImageBuildException or IOException or InvalidDataException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"{file}: {e.Message}");
                    failed++;
                }
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var node = new NodeContainerdOptions();
        var command = new Command("list", "List the images in the node's containerd (namespace k8s.io): reference and manifest digest.");
        node.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            try
            {
                var images = await node.Store(parse).ListAsync(shutdown.Token);
                Console.WriteLine("REFERENCE\tDIGEST");
                // CRI's own references by image id (sha256:...) are not names a user gives.
                foreach (var (reference, digest) in images.Where(i => !i.Key.StartsWith("sha256:", StringComparison.Ordinal)).OrderBy(i => i.Key, StringComparer.Ordinal))
                {
                    Console.WriteLine($"{reference}\t{digest}");
                }

                return 0;
            }
            catch (ImageBuildException e)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
        });
        return command;
    }

    private static Command RemoveCommand()
    {
        var node = new NodeContainerdOptions();
        var references = new Argument<string[]>("REF") { Description = "Image references, normalised as CRI does (nginx = docker.io/library/nginx:latest).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("remove", "Remove images from the node's containerd, as crictl rmi: every reference to the same image goes.") { references };
        node.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var shutdown = new ShutdownSignal(cancellationToken);
            var store = node.Store(parse);
            try
            {
                var failed = 0;
                foreach (var given in parse.GetValue(references)!)
                {
                    var removed = await ImageRemoval.RemoveAsync(store, given, shutdown.Token);
                    if (removed.Count == 0)
                    {
                        await Console.Error.WriteLineAsync($"{given}: no such image ({ImageReference.Normalize(given)})");
                        failed++;
                    }

                    foreach (var reference in removed)
                    {
                        Console.WriteLine("removed " + reference);
                    }
                }

                return failed == 0 ? 0 : 1;
            }
            catch (Exception e) when (e is ImageBuildException or FormatException)
            {
                await Console.Error.WriteLineAsync(e.Message);
                return 1;
            }
        });
        return command;
    }

    private sealed class ConsoleProgress : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine(value);
    }

    /// <summary>--data-dir / --containerd-address: which node's containerd a subcommand talks to.</summary>
    private sealed class NodeContainerdOptions
    {
        private readonly Option<string> dataDir = new("--data-dir") { Description = "The server's or agent's data directory; its containerd socket is <data-dir>/agent/containerd/containerd.sock.", DefaultValueFactory = _ => DataDirectory.Default };
        private readonly Option<string?> address = new("--containerd-address") { Description = "containerd socket, instead of the data directory's." };

        public void AddTo(Command command)
        {
            command.Options.Add(dataDir);
            command.Options.Add(address);
        }

        public ContainerdImageStore Store(ParseResult parse) =>
            new("ctr", parse.GetValue(address) ?? NodeImagePaths.ContainerdSocket(Path.GetFullPath(parse.GetValue(dataDir)!)), WellKnownImages.CriNamespace);
    }
}
