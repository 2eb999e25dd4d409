namespace Skiff.ApiServer.Tests;

/// <summary>kubectl's --validate against server-side field validation: strict by default, warn on request.</summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlFieldValidationTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    [Fact]
    public async Task An_unknown_field_is_refused_by_default_and_a_warning_with_validate_warn()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var file = await _kubectl.WriteFileAsync($"{ns}-typo.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: typo
              namespace: {ns}
            spec:
              containers:
              - name: main
                image: nginx
                imagePullPolicyy: Always
            """);

        var strict = await _kubectl.RunAsync("create", "-f", file);
        Assert.Equal(1, strict.Code);
        Assert.Contains(
            $"Error from server (BadRequest): error when creating \"{file}\": Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagePullPolicyy\"",
            strict.Err,
            StringComparison.Ordinal);
        Assert.Equal(1, (await _kubectl.RunAsync("get", "pod", "typo", "-n", ns)).Code);

        var warned = await _kubectl.RunAsync("create", "--validate=warn", "-f", file);
        Assert.Equal(0, warned.Code);
        Assert.Contains("Warning: unknown field \"spec.containers[0].imagePullPolicyy\"", warned.Err, StringComparison.Ordinal);
        Assert.Contains("pod/typo created", warned.Out, StringComparison.Ordinal);
    }
}
