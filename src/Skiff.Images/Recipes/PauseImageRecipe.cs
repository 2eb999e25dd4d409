namespace Skiff.Images.Recipes;

/// <summary>
/// The pod sandbox image: a static C program that sleeps until SIGTERM/SIGINT and reaps orphaned children (which
/// matters in pods that share one PID namespace). Needs gcc and libc6-dev (for the static libc).
/// </summary>
public sealed class PauseImageRecipe : IImageRecipe
{
    internal const string Source = """
        #include <signal.h>
        #include <stddef.h>
        #include <sys/wait.h>
        #include <unistd.h>

        static void on_terminate(int signal) { (void)signal; _exit(0); }

        static void on_child(int signal)
        {
            (void)signal;
            while (waitpid(-1, NULL, WNOHANG) > 0) {
            }
        }

        int main(void)
        {
            struct sigaction action = {0};
            action.sa_handler = on_terminate;
            sigaction(SIGINT, &action, NULL);
            sigaction(SIGTERM, &action, NULL);
            action.sa_handler = on_child;
            action.sa_flags = SA_NOCLDSTOP;
            sigaction(SIGCHLD, &action, NULL);
            for (;;) {
                pause();
            }
        }

        """;

    public string Name => "pause";

    public string Reference => WellKnownImages.Pause;

    public int Revision => 1;

    public async Task<(Rootfs Rootfs, ImageConfig Config)> BuildAsync(string workDirectory, IProgress<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var sourcePath = Path.Combine(workDirectory, "pause.c");
        var binaryPath = Path.Combine(workDirectory, "pause");
        await File.WriteAllTextAsync(sourcePath, Source, cancellationToken).ConfigureAwait(false);
        progress.Report("pause: compiling a static pause with gcc");
        var result = await ExternalCommand.RunAsync("gcc", ["-Os", "-static", "-s", "-o", binaryPath, sourcePath], workDirectory, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new ImageBuildException($"gcc could not build the static pause binary (apt-get install gcc libc6-dev): {result.Stderr.Trim()}");
        }

        var rootfs = new Rootfs().FileFromHost("pause", binaryPath, Rootfs.ExecutableMode);
        return (rootfs, new ImageConfig { Entrypoint = ["/pause"], User = "65535:65535", Env = [] });
    }
}
