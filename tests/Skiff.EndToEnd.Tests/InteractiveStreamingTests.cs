using System.Text.RegularExpressions;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 7 as a user at a terminal meets it, with the real kubectl: <c>logs -f</c> while the container writes, a log
/// line over containerd's 16 KiB split, <c>--previous</c> and <c>--timestamps</c>, an interactive shell through a
/// pseudo-terminal (tty, resize, exit code), <c>attach</c>, <c>cp</c> both ways, exec over kubectl's SPDY path, and
/// the errors Kubernetes prints for containers that are not running.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class InteractiveStreamingTests(SkiffCluster cluster)
{
    private const string SpdyOnly = "KUBECTL_REMOTE_COMMAND_WEBSOCKETS";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Logs_follow_shows_lines_as_they_are_written_and_long_lines_whole()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = Name("follow");
        // The second line is written only when the test says so: a follower must show the first one before it.
        await CreateAsync(pod, """
            containers:
            - name: writer
              image: busybox
              command: ["sh", "-c", "echo first; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo second; head -c 40000 /dev/zero | tr '\\0' a; echo; echo end; sleep 3600"]
            """);
        try
        {
            await using var follow = RunningCommand.Start("kubectl", ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory, "logs", "-f", pod]);
            Assert.True(await follow.WaitForStdoutAsync("first\n", Deadline), follow.ToString());
            Assert.DoesNotContain("second", follow.Stdout, StringComparison.Ordinal);

            await RunAsync(["exec", pod, "--", "touch", "/tmp/go"]);
            Assert.True(await follow.WaitForStdoutAsync("end\n", Deadline), follow.ToString());
            Assert.Equal("first\nsecond\n" + new string('a', 40000) + "\nend\n", follow.Stdout);

            // containerd really split the long line into 16 KiB partial (P) records; kubectl got it joined.
            var logFile = Directory.GetFiles(Path.Combine(cluster.DataDirectory, "agent", "logs", "pods"), "0.log", SearchOption.AllDirectories)
                .Single(f => f.Contains($"_{pod}_", StringComparison.Ordinal));
            var records = await File.ReadAllLinesAsync(logFile);
            Assert.Equal(2, records.Count(r => r.Contains(" stdout P ", StringComparison.Ordinal)));
            Assert.Equal(new string('a', 40000) + "\nend\n", (await RunAsync(["logs", pod, "--tail=2"])).Stdout);

            // --timestamps: every line once, prefixed with its RFC 3339 time (a joined line with its first piece's).
            var stamped = (await RunAsync(["logs", pod, "--timestamps"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(4, stamped.Length);
            Assert.All(stamped, line => Assert.Matches(Timestamped(), line));
            Assert.Equal(["first", "second", new string('a', 40000), "end"], stamped.Select(l => l[(l.IndexOf(' ', StringComparison.Ordinal) + 1)..]));
            Assert.Equal(records[1].Split(' ')[0], stamped[1].Split(' ')[0]);
        }
        finally
        {
            await DeleteAsync(pod);
        }
    }

    [SkippableFact]
    public async Task Logs_previous_shows_the_run_before_the_restart()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = Name("previous");
        // An emptyDir outlives container restarts: the first run fails, the second stays up.
        await CreateAsync(pod, """
            volumes: [{name: data, emptyDir: {}}]
            containers:
            - name: main
              image: busybox
              volumeMounts: [{name: data, mountPath: /data}]
              command: ["sh", "-c", "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run $n; [ $n -ge 2 ] || exit 1; sleep 3600"]
            """);
        try
        {
            await RunAsync(["wait", "--for=jsonpath={.status.containerStatuses[0].restartCount}=1", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            Assert.Equal("run 2\n", (await RunAsync(["logs", pod])).Stdout);
            Assert.Equal("run 1\n", (await RunAsync(["logs", pod, "--previous"])).Stdout);
            Assert.Matches(@"^\S+Z run 1\n$", (await RunAsync(["logs", pod, "-p", "--timestamps"])).Stdout);
        }
        finally
        {
            await DeleteAsync(pod);
        }
    }

    [SkippableFact]
    public async Task A_container_that_is_not_running_gets_the_errors_kubernetes_gives()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = Name("waiting");
        await CreateAsync(pod, """
            initContainers:
            - name: init
              image: busybox
              command: ["sleep", "3600"]
            containers:
            - name: main
              image: busybox
              command: ["sleep", "3600"]
            """, waitReady: false);
        try
        {
            await RunAsync(["wait", "--for=jsonpath={.status.initContainerStatuses[0].started}=true", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));

            var logs = await cluster.KubectlAsync(["logs", pod, "-c", "main"]);
            Assert.Equal(1, logs.ExitCode);
            Assert.Equal($"Error from server (BadRequest): container \"main\" in pod \"{pod}\" is waiting to start: PodInitializing\n", logs.Stderr);

            // WebSocket (kubectl's default): the API server upgrades first and reports the kubelet's refusal on the error channel.
            var ws = await cluster.KubectlAsync(["exec", pod, "-c", "main", "--", "true"]);
            Assert.Equal(1, ws.ExitCode);
            Assert.Equal("error: Internal error occurred: unable to upgrade connection: container not found (\"main\")\n", ws.Stderr);

            // SPDY: the kubelet's refusal is the upgrade's response.
            var spdy = await KubectlWithAsync(SpdyOnly, ["exec", pod, "-c", "main", "--", "true"]);
            Assert.Equal(1, spdy.ExitCode);
            Assert.Equal("error: unable to upgrade connection: container not found (\"main\")\n", spdy.Stderr);

            // A name that is not in the spec is refused by the API server itself, on both paths.
            var unknown = await cluster.KubectlAsync(["exec", pod, "-c", "x", "--", "true"]);
            Assert.Equal($"Error from server (BadRequest): container x is not valid for pod {pod}\n", unknown.Stderr);

            // The init container runs: it can be exec'd into.
            Assert.Equal("init\n", (await RunAsync(["exec", pod, "-c", "init", "--", "sh", "-c", "echo init"])).Stdout);
        }
        finally
        {
            await DeleteAsync(pod);
        }
    }

    [SkippableTheory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task An_interactive_shell_gets_a_terminal_its_size_and_passes_the_exit_code(string websockets)
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = Name("tty");
        await CreateAsync(pod, """
            containers:
            - name: shell
              image: busybox
              command: ["sleep", "3600"]
            """);
        try
        {
            // After a resize the shell is asked until the new size arrived (kubectl sends it on its own schedule).
            const string waitForResize = """for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(stty size)" = "40 120" ] && break; sleep 0.5; done; stty size; echo size'2'""";
            var session = await ProcessRunner.RunAsync(
                "python3",
                [
                    Path.Combine(AppContext.BaseDirectory, "pty-session.py"), "30x100",
                    "expect:# ", "send:tty; stty size; echo size'1'", "expect:size1",
                    "resize:40x120", "send:" + waitForResize, "expect:size2",
                    "send:exit 3",
                    "--", "kubectl", "--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory, "exec", "-it", pod, "--", "sh",
                ],
                new Dictionary<string, string> { ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS"] = websockets },
                TimeSpan.FromMinutes(3),
                CancellationToken.None);

            Assert.True(session.ExitCode == 3, session.ToString());
            var transcript = session.Stdout.Replace("\r", string.Empty, StringComparison.Ordinal);
            Assert.Matches(@"\n/dev/pts/\d+\n30 100\nsize1\n", transcript);
            Assert.Contains("\n40 120\nsize2\n", transcript, StringComparison.Ordinal);
            Assert.Contains("command terminated with exit code 3", transcript, StringComparison.Ordinal);
        }
        finally
        {
            await DeleteAsync(pod);
        }
    }

    [SkippableFact]
    public async Task Exec_over_spdy_passes_stdin_output_and_the_exit_code_and_cp_works_both_ways()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = Name("spdy");
        await CreateAsync(pod, """
            containers:
            - name: box
              image: busybox
              command: ["sleep", "3600"]
            """);
        try
        {
            var exit7 = await KubectlWithAsync(SpdyOnly, ["exec", pod, "--", "sh", "-c", "echo out; echo err >&2; exit 7"]);
            Assert.Equal((7, "out\n"), (exit7.ExitCode, exit7.Stdout));
            Assert.Equal("err\ncommand terminated with exit code 7\n", exit7.Stderr);

            var stdin = await ShellAsync($"printf 'one\\ntwo\\n' | {SpdyOnly}=false kubectl exec -i {pod} -- wc -l");
            Assert.Equal("2", stdin.Stdout.Trim());

            // kubectl cp is exec + tar: local → pod → local, on both protocols.
            foreach (var websockets in new[] { "true", "false" })
            {
                var work = Directory.CreateTempSubdirectory("skiff-e2e-cp-").FullName;
                try
                {
                    var content = $"copied over websockets={websockets}\n" + new string('x', 100_000) + "\n";
                    await File.WriteAllTextAsync(Path.Combine(work, "in.txt"), content);
                    var up = await ShellAsync($"cd {work} && {SpdyOnly}={websockets} kubectl cp in.txt {pod}:/tmp/in.txt");
                    Assert.True(up.ExitCode == 0, up.ToString());
                    var down = await ShellAsync($"cd {work} && {SpdyOnly}={websockets} kubectl cp {pod}:/tmp/in.txt out.txt");
                    Assert.True(down.ExitCode == 0, down.ToString());
                    Assert.Equal(content, await File.ReadAllTextAsync(Path.Combine(work, "out.txt")));
                }
                finally
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        }
        finally
        {
            await DeleteAsync(pod);
        }
    }

    [SkippableFact]
    public async Task Attach_reaches_a_container_reading_stdin_and_one_writing_output()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var reader = Name("reader");
        var writer = Name("writer");
        // stdinOnce: when the attached client closes stdin the container sees EOF, says bye and exits.
        await CreateAsync(reader, """
            restartPolicy: Never
            containers:
            - name: reader
              image: busybox
              stdin: true
              stdinOnce: true
              command: ["sh", "-c", "while read line; do echo got:$line; done; echo bye"]
            """);
        await CreateAsync(writer, """
            containers:
            - name: ticker
              image: busybox
              command: ["sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.5; done"]
            """);
        try
        {
            var attached = await ShellAsync($"printf 'hello\\nworld\\n' | kubectl attach -i {reader}");
            Assert.True(attached.ExitCode == 0, attached.ToString());
            Assert.Equal("got:hello\ngot:world\nbye\n", attached.Stdout);

            await using var watching = RunningCommand.Start("kubectl", ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory, "attach", writer]);
            Assert.True(await watching.WaitForStdoutAsync("tick", Deadline), watching.ToString());
            var first = int.Parse(TickNumber().Match(watching.Stdout).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(await watching.WaitForStdoutAsync($"tick {first + 2}\n", Deadline), watching.ToString());
        }
        finally
        {
            await DeleteAsync(reader);
            await DeleteAsync(writer);
        }
    }

    private static string Name(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..6];

    /// <summary>Creates a pod bound to the node (no scheduler yet) from the YAML of its spec, and waits until it is Ready.</summary>
    private async Task CreateAsync(string pod, string spec, bool waitReady = true)
    {
        var indented = string.Join('\n', spec.Split('\n').Select(l => "  " + l));
        var manifest = $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {pod}\nspec:\n  nodeName: {SkiffCluster.NodeName}\n{indented}\n";
        var file = Path.Combine(cluster.DataDirectory, pod + ".yaml");
        await File.WriteAllTextAsync(file, manifest);
        await RunAsync(["create", "-f", file]);
        if (waitReady)
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
        }
    }

    private Task DeleteAsync(string pod) => cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }

    /// <summary>kubectl with one of its feature switches set to false (e.g. SPDY instead of WebSockets).</summary>
    private Task<CommandResult> KubectlWithAsync(string switchedOff, string[] arguments) =>
        ProcessRunner.RunAsync(
            "kubectl",
            ["--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory, .. arguments],
            new Dictionary<string, string> { [switchedOff] = "false" },
            TimeSpan.FromSeconds(60),
            CancellationToken.None);

    private Task<CommandResult> ShellAsync(string script) =>
        ProcessRunner.RunAsync(
            "bash",
            ["-c", script],
            new Dictionary<string, string> { ["KUBECONFIG"] = cluster.KubeconfigPath, ["KUBECACHEDIR"] = cluster.KubectlCacheDirectory },
            TimeSpan.FromMinutes(2),
            CancellationToken.None);

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z \S")]
    private static partial Regex Timestamped();

    [GeneratedRegex(@"tick (\d+)")]
    private static partial Regex TickNumber();
}
