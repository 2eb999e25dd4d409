namespace Skiff.ApiServer.Tests;

/// <summary>
/// End-to-end with kubectl v1.32: PriorityClasses are served (the two system classes exist from start, with
/// upstream's printer columns), `kubectl create priorityclass` works (a protobuf create), a pod naming a class gets
/// its value as spec.priority, and the refusals read as upstream's.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlPriorityClassTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    private static string PodYaml(string name, string ns, string priorityClassName) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          priorityClassName: {priorityClassName}
          containers:
          - name: main
            image: nginx:1.27
        """;

    [Fact]
    public async Task System_classes_are_listed_and_a_pod_gets_the_value_of_a_created_class()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var table = await _kubectl.OkAsync("get", "priorityclasses");
        Assert.Matches(@"^NAME +VALUE +GLOBAL-DEFAULT +AGE +PREEMPTIONPOLICY\n", table);
        Assert.Matches(@"(?m)^system-cluster-critical +2000000000 +false +\S+ +PreemptLowerPriority$", table);
        Assert.Matches(@"(?m)^system-node-critical +2000001000 +false +\S+ +PreemptLowerPriority$", table);

        // Classes are cluster-wide and the server is shared by the collection: the name carries the namespace's.
        var high = $"high-{ns}";
        Assert.Equal($"priorityclass.scheduling.k8s.io/{high} created\n", await _kubectl.OkAsync("create", "priorityclass", high, "--value=1000", "--description=the important ones"));
        Assert.Matches($@"(?m)^{high} +1000 +false +\S+ +PreemptLowerPriority$", await _kubectl.OkAsync("get", "pc", high));

        var file = await _kubectl.WriteFileAsync($"{ns}-pod.yaml", PodYaml("web", ns, high));
        Assert.Equal("pod/web created\n", await _kubectl.OkAsync("create", "-f", file));
        Assert.Equal($"1000 PreemptLowerPriority {high}",
            await _kubectl.OkAsync("get", "pod", "web", "-n", ns, "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy} {.spec.priorityClassName}"));

        var never = $"polite-{ns}";
        await _kubectl.OkAsync("create", "priorityclass", never, "--value=10", "--preemption-policy=Never");
        var politeFile = await _kubectl.WriteFileAsync($"{ns}-polite.yaml", PodYaml("polite", ns, never));
        await _kubectl.OkAsync("create", "-f", politeFile);
        Assert.Equal("10 Never", await _kubectl.OkAsync("get", "pod", "polite", "-n", ns, "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"));
    }

    [Fact]
    public async Task Unknown_classes_reserved_values_and_system_deletes_are_refused()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var file = await _kubectl.WriteFileAsync($"{ns}-nope.yaml", PodYaml("web", ns, "nope"));
        var missing = await _kubectl.RunAsync("create", "-f", file);
        Assert.Equal(1, missing.Code);
        Assert.Contains("pods \"web\" is forbidden: no PriorityClass with name nope was found", missing.Err, StringComparison.Ordinal);
        Assert.StartsWith("Error from server (Forbidden)", missing.Err, StringComparison.Ordinal);

        var huge = await _kubectl.RunAsync("create", "priorityclass", $"huge-{ns}", "--value=2000000000");
        Assert.Equal(1, huge.Code);
        Assert.Contains($"PriorityClass.scheduling.k8s.io \"huge-{ns}\" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000", huge.Err, StringComparison.Ordinal);

        var system = await _kubectl.RunAsync("delete", "priorityclass", "system-node-critical");
        Assert.Equal(1, system.Code);
        Assert.Equal("Error from server (Forbidden): priorityclasses.scheduling.k8s.io \"system-node-critical\" is forbidden: this is a system priority class and cannot be deleted\n", system.Err);

        var changed = await _kubectl.RunAsync("patch", "priorityclass", "system-cluster-critical", "--type=merge", "-p", "{\"value\":5}");
        Assert.Equal(1, changed.Code);
        Assert.Contains("value: Forbidden: may not be changed in an update.", changed.Err, StringComparison.Ordinal);
        Assert.Contains("2000000000", await _kubectl.OkAsync("get", "pc", "system-cluster-critical", "-o", "jsonpath={.value}"));
    }
}
