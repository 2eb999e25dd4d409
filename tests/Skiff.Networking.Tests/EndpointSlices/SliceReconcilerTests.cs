using k8s.Models;
using Skiff.Networking.EndpointSlices;

namespace Skiff.Networking.Tests.EndpointSlices;

public sealed class SliceReconcilerTests
{
    private static readonly SliceOwner Owner = new(
        "default",
        "web",
        new Dictionary<string, string> { ["team"] = "a" },
        new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = "web", Uid = "uid-web", Controller = true },
        EndpointSliceLabels.ControllerName,
        "IPv4");

    private static readonly IReadOnlyList<Discoveryv1EndpointPort> Http = [new Discoveryv1EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }];

    [Fact]
    public void Endpoints_are_cut_into_slices_of_a_hundred_with_the_service_labels()
    {
        var plan = SliceReconciler.Plan(Owner, [Group(250)], []);

        Assert.Equal([100, 100, 50], plan.Create.Select(s => s.Endpoints.Count));
        var slice = plan.Create[0];
        Assert.Equal("web-", slice.Metadata.GenerateName);
        Assert.Equal("web", slice.Metadata.Labels[EndpointSliceLabels.ServiceName]);
        Assert.Equal(EndpointSliceLabels.ControllerName, slice.Metadata.Labels[EndpointSliceLabels.ManagedBy]);
        Assert.Equal("a", slice.Metadata.Labels["team"]);
        Assert.Equal("uid-web", Assert.Single(slice.Metadata.OwnerReferences).Uid);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Empty(plan.Update);
    }

    [Fact]
    public void An_unchanged_state_needs_no_write()
    {
        var existing = Materialize(SliceReconciler.Plan(Owner, [Group(250)], []).Create);

        Assert.True(SliceReconciler.Plan(Owner, [Group(250)], existing).IsEmpty);
    }

    [Fact]
    public void One_endpoint_changing_rewrites_only_its_slice()
    {
        var existing = Materialize(SliceReconciler.Plan(Owner, [Group(250)], []).Create);
        var wanted = Group(250);
        wanted.Endpoints[150].Conditions.Ready = false;

        var plan = SliceReconciler.Plan(Owner, [wanted], existing);

        var update = Assert.Single(plan.Update);
        Assert.Equal("web-1", update.Metadata.Name);
        Assert.Empty(plan.Create);
        Assert.Empty(plan.Delete);
    }

    [Fact]
    public void New_endpoints_fill_slices_with_room_before_new_slices_are_made()
    {
        var existing = Materialize(SliceReconciler.Plan(Owner, [Group(150)], []).Create);

        var plan = SliceReconciler.Plan(Owner, [Group(230)], existing);

        Assert.Equal(100, Assert.Single(plan.Update).Endpoints.Count);
        Assert.Equal(30, Assert.Single(plan.Create).Endpoints.Count);
    }

    [Fact]
    public void Emptied_slices_are_deleted_and_a_service_without_endpoints_keeps_one_placeholder()
    {
        var existing = Materialize(SliceReconciler.Plan(Owner, [Group(150)], []).Create);

        var fewer = SliceReconciler.Plan(Owner, [Group(20)], existing);
        Assert.Equal("web-1", Assert.Single(fewer.Delete).Metadata.Name);
        Assert.Equal(20, Assert.Single(fewer.Update).Endpoints.Count);

        var none = SliceReconciler.Plan(Owner, [], existing);
        Assert.Equal("web-1", Assert.Single(none.Delete).Metadata.Name);
        var placeholder = Assert.Single(none.Update);
        Assert.Empty(placeholder.Endpoints);
        Assert.Empty(placeholder.Ports);

        var fresh = Assert.Single(SliceReconciler.Plan(Owner, [], []).Create);
        Assert.Empty(fresh.Endpoints);
        Assert.Empty(SliceReconciler.Plan(Owner, [], [], placeholder: false).Create);

        var filled = SliceReconciler.Plan(Owner, [Group(5)], Materialize([fresh]));
        Assert.Empty(filled.Delete);
        Assert.Empty(filled.Create);
        Assert.Equal(("web-0", 5, 1), (Assert.Single(filled.Update).Metadata.Name, filled.Update[0].Endpoints.Count, filled.Update[0].Ports.Count));
    }

    [Fact]
    public void A_changed_port_set_replaces_the_slices_of_the_old_one()
    {
        var existing = Materialize(SliceReconciler.Plan(Owner, [Group(10)], []).Create);
        var moved = new EndpointGroup("IPv4", [new Discoveryv1EndpointPort { Name = "http", Port = 9090, Protocol = "TCP" }], Group(10).Endpoints);

        var plan = SliceReconciler.Plan(Owner, [moved], existing);

        Assert.Equal("web-0", Assert.Single(plan.Delete).Metadata.Name);
        Assert.Equal(9090, Assert.Single(Assert.Single(plan.Create).Ports).Port);
    }

    private static EndpointGroup Group(int count) => new(
        "IPv4",
        Http,
        [.. Enumerable.Range(0, count).Select(i => new V1Endpoint
        {
            Addresses = [$"10.42.{i / 250}.{(i % 250) + 1}"],
            Conditions = new V1EndpointConditions { Ready = true, Serving = true, Terminating = false },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = $"p{i}", NamespaceProperty = "default" },
        })]);

    /// <summary>The slices as the API would hold them after the creates: named, with a revision.</summary>
    private static List<V1EndpointSlice> Materialize(IReadOnlyList<V1EndpointSlice> created) =>
        [.. created.Select((s, i) =>
        {
            s.Metadata.Name = $"web-{i}";
            s.Metadata.ResourceVersion = "1";
            return s;
        })];
}
