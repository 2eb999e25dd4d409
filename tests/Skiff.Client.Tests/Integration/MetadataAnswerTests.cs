using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Integration;

/// <summary>Creates and patches whose callers use only the stored object's metadata read that alone from the answer
/// (without its managedFields), and what they get is the stored object's.</summary>
public sealed class MetadataAnswerTests
{
    [Fact]
    public async Task A_create_and_a_status_patch_answer_with_the_stored_objects_metadata()
    {
        await using var server = await RealServer.StartAsync();
        using var client = ApiClients.FromKubeconfig(server.KubeconfigPath);
        IApiClient api = client;
        var pod = Pods.Make(string.Empty, "default");
        pod.Metadata.Name = null;
        pod.Metadata.GenerateName = "web-";

        var created = await api.CreateForMetadataAsync(pod, default);

        Assert.StartsWith("web-", created.Name, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(created.Uid));
        var stored = await api.GetAsync<V1Pod>("default", created.Name, default);
        Assert.NotNull(stored);
        Assert.Equal((stored.Metadata.Uid, stored.Metadata.ResourceVersion), (created.Uid, created.ResourceVersion));
        Assert.Equal(stored.Metadata.Labels, created.Labels);

        var patched = await api.PatchForMetadataAsync<V1Pod>(
            "default", created.Name, ApiPatch.Merge("""{"status":{"phase":"Running","podIP":"10.88.0.9"}}"""), default, "status");

        var after = await api.GetAsync<V1Pod>("default", created.Name, default);
        Assert.Equal(("Running", "10.88.0.9"), (after!.Status.Phase, after.Status.PodIP));
        Assert.Equal(after.Metadata.ResourceVersion, patched.ResourceVersion);
        Assert.NotEqual(created.ResourceVersion, patched.ResourceVersion);
        // managedFields (an entry per manager, each parsed into a document of its own) are skipped: no caller of
        // these reads them.
        Assert.Contains(after.Metadata.ManagedFields, e => e.Subresource == "status");
        Assert.Null(patched.ManagedFields);
        Assert.Null(created.ManagedFields);

        // A refusal is the API's error, as from the whole-object calls.
        var conflict = await Assert.ThrowsAsync<ApiException>(() => api.CreateForMetadataAsync(Pods.Make(created.Name, "default"), default));
        Assert.True(conflict.IsAlreadyExists, conflict.Message);
    }
}
