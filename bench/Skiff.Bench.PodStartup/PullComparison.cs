using System.Globalization;
using System.Text;
using k8s;
using k8s.Models;
using Skiff.Images;
using Skiff.Testing.Containerd;

namespace Skiff.Bench.PodStartup;

/// <summary>
/// Issue 16's comparison: a pod started from an image the node already has vs the same pod whose image is first
/// pulled from a private registry on loopback (Debian's docker-registry, basic auth through a pull secret). The
/// registry holds Skiff's nginx archive; before each cold round every name of that image (tags, the repo digests and
/// the id CRI adds) is removed through CRI's RemoveImage, so containerd collects its content and the pull fetches
/// every layer. The kubelet trusts a "present" answer for <see cref="Skiff.Kubelet.Pods.ImagePresence.Lifetime"/>, so
/// a cold round waits that long after the removal; otherwise it would measure a failed create and a retry.
/// </summary>
internal static class PullComparison
{
    private const string Secret = "bench-regcred";

    public static async Task RunAsync(Kubernetes client, KubeletRound pods, Skiff.Cri.CriConnection cri, string imageCache, int rounds, CancellationToken cancellationToken)
    {
        var archive = Directory.GetFiles(imageCache, "nginx-r*.oci.tar").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            ?? throw new InvalidOperationException($"no nginx archive in {imageCache}");
        await using var registry = await LocalRegistry.StartAsync(cancellationToken, tls: false);
        await registry.PushAsync(archive, "bench/nginx:1", cancellationToken);
        var reference = $"{registry.Host}/bench/nginx:1";
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{LocalRegistry.User}:{LocalRegistry.Password}"));
        await client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = Secret },
            Type = "kubernetes.io/dockerconfigjson",
            Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(
                new Dictionary<string, object> { ["auths"] = new Dictionary<string, object> { [registry.Host] = new Dictionary<string, string> { ["auth"] = auth } } }) },
        }, "default", cancellationToken: cancellationToken);
        var image = new PodImage(reference, "IfNotPresent", Secret);
        var megabytes = new FileInfo(archive).Length / 1_000_000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pull vs present: {reference} ({megabytes:0.0} MB archive), {rounds} rounds of one pod each"));

        var pulled = new List<double>();
        var present = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            // Every name of the image goes, so its layers are no longer referenced and the GC drops them.
            foreach (var name in new[] { reference, WellKnownImages.Nginx })
            {
                if (await cri.Images.ImageStatusAsync(new Skiff.Cri.V1.ImageStatusRequest { Image = new Skiff.Cri.V1.ImageSpec { Image = name } }, cancellationToken: cancellationToken) is { Image: not null })
                {
                    await cri.Images.RemoveImageAsync(new Skiff.Cri.V1.RemoveImageRequest { Image = new Skiff.Cri.V1.ImageSpec { Image = name } }, cancellationToken: cancellationToken);
                }
            }

            await Task.Delay(Skiff.Kubelet.Pods.ImagePresence.Lifetime + TimeSpan.FromSeconds(1), cancellationToken);
            var cold = await pods.RunAsync(1, $"pull{round}", cancellationToken, image);
            var pulledEvent = (await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name={cold.Times.Keys.Single()},reason=Pulled", cancellationToken: cancellationToken)).Items.FirstOrDefault();
            Console.WriteLine($"  kubelet: {pulledEvent?.Message ?? "no Pulled event"}");
            pulled.Add(cold.Times.Values.Single().ReadySeen!.Value - cold.Times.Values.Single().CreateSent);
            var warm = await pods.RunAsync(1, $"present{round}", cancellationToken, image);
            present.Add(warm.Times.Values.Single().ReadySeen!.Value - warm.Times.Values.Single().CreateSent);
        }

        var pullMedian = Percentiles.Of(pulled).P50;
        var presentMedian = Percentiles.Of(present).P50;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"create → Ready, image present: median {presentMedian:0} ms (runs {string.Join(", ", present.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"create → Ready, pulled first:  median {pullMedian:0} ms (runs {string.Join(", ", pulled.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))})"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pull cost {pullMedian - presentMedian:0} ms ({megabytes * 1000 / Math.Max(1, pullMedian - presentMedian):0.0} MB/s of archive), ratio pulled/present {pullMedian / presentMedian:0.00}"));
    }
}
