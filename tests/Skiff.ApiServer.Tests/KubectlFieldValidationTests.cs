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

    [Fact]
    public async Task Applying_a_typo_to_an_existing_object_fails_client_side_and_server_side_and_changes_nothing()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        const string Good = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: NS
            spec:
              containers:
              - name: main
                image: nginx
            """;
        var good = await _kubectl.WriteFileAsync($"{ns}-web.yaml", Good.Replace("NS", ns, StringComparison.Ordinal));
        Assert.Contains("pod/web created", await _kubectl.OkAsync("apply", "-f", good), StringComparison.Ordinal);
        var before = await _kubectl.OkAsync("get", "pod", "web", "-n", ns, "-o", "json");

        var typo = await _kubectl.WriteFileAsync($"{ns}-web-typo.yaml", Good.Replace("NS", ns, StringComparison.Ordinal) + "\n    imagee: busybox\n");

        // Client-side apply sends a strategic merge patch with fieldValidation=Strict: 422 on field "patch", whose value
        // is the patch map as Go prints it (the last-applied annotation, then the spec).
        var clientSide = await _kubectl.RunAsync("apply", "-f", typo);
        Assert.Equal(1, clientSide.Code);
        Assert.StartsWith(
            "The request is invalid: patch: Invalid value: \"map[metadata:map[annotations:map[kubectl.kubernetes.io/last-applied-configuration:{",
            clientSide.Err,
            StringComparison.Ordinal);
        Assert.Contains(
            "spec:map[$setElementOrder/containers:[map[name:main]] containers:[map[imagee:busybox name:main]]]]\": strict decoding error: unknown field \"spec.containers[0].imagee\"",
            clientSide.Err,
            StringComparison.Ordinal);

        // Server-side apply types the applied object first: a plain 500 that kubectl prints without a reason.
        var serverSide = await _kubectl.RunAsync("apply", "--server-side", "-f", typo);
        Assert.Equal(1, serverSide.Code);
        Assert.Equal(
            $"Error from server: failed to create typed patch object ({ns}/web; /v1, Kind=Pod): .spec.containers[name=\"main\"].imagee: field not declared in schema\n",
            serverSide.Err);

        Assert.Equal(before, await _kubectl.OkAsync("get", "pod", "web", "-n", ns, "-o", "json"));

        // --validate=warn sends fieldValidation=Warn: the patch goes through without the field, and kubectl prints the warning.
        var warned = await _kubectl.RunAsync("apply", "--validate=warn", "-f", typo);
        Assert.Equal(0, warned.Code);
        Assert.Contains("Warning: unknown field \"spec.containers[0].imagee\"", warned.Err, StringComparison.Ordinal);
        Assert.Contains("pod/web configured", warned.Out, StringComparison.Ordinal);
    }
}
