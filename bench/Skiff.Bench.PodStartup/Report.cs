using System.Globalization;
using Skiff.Containerd;

namespace Skiff.Bench.PodStartup;

/// <summary>Prints the figures as markdown tables, with the kubelet's overhead over the raw-CRI floor at p50.</summary>
internal sealed class Report(TextWriter output)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public void Header(RawCriStartupReport sequential, int pods)
    {
        output.WriteLine();
        output.WriteLine($"## Raw CRI, {pods} nginx pods one at a time (uncontended floor), ms");
        output.WriteLine("| phase | p50 | p90 | p99 | max |");
        output.WriteLine("|---|---|---|---|---|");
        Row("RunPodSandbox", sequential.RunPodSandbox);
        Row("Create+StartContainer", sequential.CreateAndStartContainer);
        Row("sandbox+container started", sequential.PodStarted);
        Row("first HTTP answer", sequential.HttpReady!);
    }

    public void Round(
        KubeletRoundResult kubelet,
        (Percentiles? SandboxStarted, Percentiles? ContainerStarted) profile,
        RawCriStartupReport raw,
        RawCriStartupReport sequential,
        double loadBefore,
        double loadKubelet,
        double loadRaw)
    {
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"## N = {kubelet.Pods} nginx pods created at once (load average 1 min: {loadBefore:0.00} before, {loadKubelet:0.00} after the kubelet round, {loadRaw:0.00} after the raw round), ms"));
        output.WriteLine("| measured from each pod's create request | p50 | p90 | p99 | max |");
        output.WriteLine("|---|---|---|---|---|");
        Row("API create returned", kubelet.CreateCall);
        if (profile.SandboxStarted is { } sandbox)
        {
            Row("kubelet log: sandbox started", sandbox);
        }

        if (profile.ContainerStarted is { } container)
        {
            Row("kubelet log: container started", container);
        }

        Row("watch: podIP set", kubelet.IpSeen);
        Row("watch: Running", kubelet.RunningSeen);
        Row("**watch: Running+Ready**", kubelet.Ready);
        Row("**first HTTP 200 at pod IP**", kubelet.Http200);
        output.WriteLine($"| raw CRI, same {raw.Pods} pods at once: RunPodSandbox (per call) | {Cells(raw.RunPodSandbox)} |");
        Row("raw CRI at once: sandbox+container started", raw.PodStarted);
        Row("raw CRI at once: first HTTP answer", raw.HttpReady!);
        output.WriteLine();
        output.WriteLine(string.Create(Invariant,
            $"Deleting all {kubelet.Pods} pods until the API had none left: {kubelet.DeleteAll.TotalMilliseconds:0} ms."));
        output.WriteLine(string.Create(Invariant,
            $"Kubelet overhead at p50 vs raw CRI at once: Running+Ready {Overhead(kubelet.Ready.P50, raw.PodStarted.P50)}, HTTP 200 {Overhead(kubelet.Http200.P50, raw.HttpReady!.P50)}; " +
            $"vs the one-at-a-time floor: HTTP {Overhead(kubelet.Http200.P50, sequential.HttpReady!.P50)}. " +
            $"p99 create → Ready {kubelet.Ready.P99:0} ms (target ≤ 1500)."));
    }

    private static string Overhead(double measured, double floor) =>
        string.Create(Invariant, $"{(measured / floor - 1) * 100:+0;-0}% ({measured:0} vs {floor:0} ms)");

    private void Row(string name, Percentiles p) => output.WriteLine($"| {name} | {Cells(p)} |");

    private static string Cells(Percentiles p) =>
        string.Create(Invariant, $"{p.P50:0} | {p.P90:0} | {p.P99:0} | {p.Max:0}");
}
