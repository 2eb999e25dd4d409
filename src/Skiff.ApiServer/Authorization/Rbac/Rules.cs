using k8s.Models;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>Short rule builders, as upstream's rbacv1helpers.NewRule(...).Groups(...).Resources(...).</summary>
public static class Rules
{
    public const string Legacy = "";
    public const string Events = "events.k8s.io";
    public static readonly string[] Read = ["get", "list", "watch"];
    public static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    public static readonly string[] ReadWrite = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

    public static V1PolicyRule Rule(string[] verbs, string[] groups, params string[] resources) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources };

    public static V1PolicyRule Named(string[] verbs, string[] groups, string[] resources, params string[] names) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources, ResourceNames = names };

    public static V1PolicyRule Urls(string[] verbs, params string[] urls) => new() { Verbs = verbs, NonResourceURLs = urls };

    public static string[] V(params string[] verbs) => verbs;

    public static string[] G(params string[] groups) => groups;

    /// <summary>Upstream's eventsRule(): components write events in both the core and the events.k8s.io group.</summary>
    public static V1PolicyRule EventsRule() => Rule(V("create", "update", "patch"), G(Legacy, Events), "events");
}
