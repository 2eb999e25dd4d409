using k8s;
using k8s.Autorest;
using k8s.Models;

// What in-cluster software does first: KubernetesClientConfiguration.InClusterConfig() reads the projected token,
// ca.crt and namespace and KUBERNETES_SERVICE_HOST/PORT, then talks to the `kubernetes` Service over TLS.
// Each line printed is one check the end-to-end test reads; the exit code is 0 only when every step worked.
var config = KubernetesClientConfiguration.InClusterConfig();
using var client = new Kubernetes(config);
var ns = config.Namespace ?? throw new InvalidOperationException("InClusterConfig gave no namespace");
Console.WriteLine($"host {config.Host}");

var review = await client.AuthenticationV1.CreateSelfSubjectReviewAsync(new V1SelfSubjectReview());
Console.WriteLine($"user {review.Status.UserInfo.Username}");

var pods = await client.CoreV1.ListNamespacedPodAsync(ns);
Console.WriteLine($"pods {string.Join(',', pods.Items.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal))}");

var name = args.Length > 0 ? args[0] : "written-in-cluster";
await client.CoreV1.CreateNamespacedConfigMapAsync(
    new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name }, Data = new Dictionary<string, string> { ["from"] = Environment.MachineName } },
    ns);
var readBack = await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns);
Console.WriteLine($"configmap {readBack.Metadata.Name} from={readBack.Data["from"]}");

try
{
    await client.CoreV1.ListNamespacedSecretAsync("kube-system");
    Console.WriteLine("kube-system secrets: allowed");
}
catch (HttpOperationException e)
{
    Console.WriteLine($"kube-system secrets: {(int)e.Response.StatusCode}");
}
