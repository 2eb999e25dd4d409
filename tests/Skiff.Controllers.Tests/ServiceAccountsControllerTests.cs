using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.ServiceAccounts;

namespace Skiff.Controllers.Tests;

public sealed class ServiceAccountsControllerTests
{
    private const string Ca = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    private static V1Namespace Namespace(string name, string phase = "Active") => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Status = new V1NamespaceStatus { Phase = phase },
    };

    [Fact]
    public async Task Every_active_namespace_gets_the_default_account_again_after_a_deletion()
    {
        await using var h = new ControllerHarness();
        using var controller = new ServiceAccountsController(h.Context);
        h.Api.Seed(Namespace("team-a"));
        h.Api.Seed(Namespace("leaving", "Terminating"));
        await h.StartAsync();

        await controller.SyncAsync("team-a", h.Token);
        await controller.SyncAsync("leaving", h.Token);
        await controller.SyncAsync("missing", h.Token);

        var account = Assert.Single(h.Api.All<V1ServiceAccount>());
        Assert.Equal(("team-a", "default"), (account.Metadata.NamespaceProperty, account.Metadata.Name));

        await h.CaughtUpAsync<V1ServiceAccount>();
        await controller.SyncAsync("team-a", h.Token); // present: nothing to create
        Assert.Single(h.Api.All<V1ServiceAccount>());

        await h.Api.DeleteAsync<V1ServiceAccount>("team-a", "default", null, h.Token);
        await h.CaughtUpAsync<V1ServiceAccount>();
        await controller.SyncAsync("team-a", h.Token);
        Assert.NotNull(h.Api.Peek<V1ServiceAccount>("team-a", "default"));
    }

    [Fact]
    public async Task A_deleted_account_puts_its_namespace_on_the_queue()
    {
        await using var h = new ControllerHarness();
        using var controller = new ServiceAccountsController(h.Context);
        h.Api.Seed(Namespace("team-a"));
        h.Api.Seed(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default", NamespaceProperty = "team-a" } });
        await h.StartAsync();
        var (first, _) = await controller.Queue.GetAsync(h.Token);
        controller.Queue.Done(first);

        await h.Api.DeleteAsync<V1ServiceAccount>("team-a", "default", null, h.Token);
        var (key, ok) = await controller.Queue.GetAsync(h.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ok);
        Assert.Equal("team-a", key);
    }

    [Fact]
    public async Task The_root_ca_configmap_is_published_and_restored_when_edited_or_deleted()
    {
        await using var h = new ControllerHarness();
        using var publisher = new RootCaCertPublisher(h.Context, Ca);
        h.Api.Seed(Namespace("team-a"));
        h.Api.Seed(Namespace("leaving", "Terminating"));
        await h.StartAsync();

        await publisher.SyncAsync("team-a", h.Token);
        await publisher.SyncAsync("leaving", h.Token);
        var cm = Assert.Single(h.Api.All<V1ConfigMap>());
        Assert.Equal(("team-a", "kube-root-ca.crt"), (cm.Metadata.NamespaceProperty, cm.Metadata.Name));
        Assert.Equal(Ca, cm.Data["ca.crt"]);
        Assert.Equal(RootCaCertPublisher.Description, cm.Metadata.Annotations[RootCaCertPublisher.DescriptionAnnotation]);

        // Unchanged: no write.
        await h.CaughtUpAsync<V1ConfigMap>();
        h.Api.ClearCalls();
        await publisher.SyncAsync("team-a", h.Token);
        Assert.DoesNotContain(h.Api.Calls, c => c.Verb is "create" or "update");

        // Edited: restored, keeping the user's other metadata.
        var edited = ObjectCopy.Clone(cm);
        edited.Data = new Dictionary<string, string> { ["ca.crt"] = "tampered", ["extra"] = "x" };
        edited.Metadata.Labels = new Dictionary<string, string> { ["keep"] = "me" };
        await h.Api.UpdateAsync(edited, h.Token);
        await h.CaughtUpAsync<V1ConfigMap>();
        await publisher.SyncAsync("team-a", h.Token);
        var restored = h.Api.Peek<V1ConfigMap>("team-a", "kube-root-ca.crt")!;
        Assert.Equal(new Dictionary<string, string> { ["ca.crt"] = Ca }, restored.Data);
        Assert.Equal("me", restored.Metadata.Labels["keep"]);

        // Deleted: created again.
        await h.Api.DeleteAsync<V1ConfigMap>("team-a", "kube-root-ca.crt", null, h.Token);
        await h.CaughtUpAsync<V1ConfigMap>();
        await publisher.SyncAsync("team-a", h.Token);
        Assert.Equal(Ca, h.Api.Peek<V1ConfigMap>("team-a", "kube-root-ca.crt")!.Data["ca.crt"]);
    }
}
