using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Cli.Api;
using Skiff.Cli.Describe;

namespace Skiff.Cli.Commands;

/// <summary><c>kubectl describe</c>: pods and nodes as kubectl prints them, other kinds through the generic describer.</summary>
public static class DescribeCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var args = new Argument<string[]>("resources") { Arity = ArgumentArity.OneOrMore };
        var selector = new Option<string?>("--selector", "-l") { Description = "Label selector" };
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "Across all namespaces" };
        var showEvents = new Option<bool>("--show-events") { Description = "Show events", DefaultValueFactory = _ => true };
        var command = new Command("describe", "Show details of a specific resource or group of resources") { args, selector, allNamespaces, showEvents };
        command.SetAction((parse, ct) => global.RunAsync(parse, session =>
            RunAsync(session, parse.GetValue(args) ?? [], parse.GetValue(selector), parse.GetValue(allNamespaces), parse.GetValue(showEvents), ct)));
        return command;
    }

    private static async Task<int> RunAsync(KubectlSession session, string[] args, string? selector, bool allNamespaces, bool showEvents, CancellationToken cancellationToken)
    {
        var api = await session.ApiAsync();
        var discovery = await session.DiscoveryAsync(cancellationToken);
        var ns = await session.NamespaceAsync();
        var targets = new List<(ApiResource Resource, string? Namespace, string Name)>();
        var errors = new List<ApiException>();
        foreach (var request in ResourceArguments.Parse(args, discovery))
        {
            var resource = request.Resource;
            var scope = resource.Namespaced && !allNamespaces ? ns : null;
            if (request.Names.Count > 0)
            {
                targets.AddRange(request.Names.Select(n => (resource, resource.Namespaced ? ns : null, n)));
                continue;
            }

            var list = await api.GetAsync(resource.CollectionPath(scope) + Query.Build(("labelSelector", selector)), ApiClient.JsonAccept, resource.QualifiedName, cancellationToken);
            foreach (var item in list["items"]?.AsArray().OfType<JsonObject>() ?? [])
            {
                targets.Add((resource, (string?)item["metadata"]?["namespace"], (string?)item["metadata"]?["name"] ?? string.Empty));
            }
        }

        if (targets.Count == 0 && errors.Count == 0 && args.Length == 1 && !args[0].Contains('/', StringComparison.Ordinal))
        {
            await session.Err.WriteLineAsync(allNamespaces ? "No resources found" : $"No resources found in {ns} namespace.");
            return 0;
        }

        var first = true;
        foreach (var (resource, objectNamespace, name) in targets)
        {
            string text;
            try
            {
                text = await DescribeOneAsync(session, api, resource, objectNamespace, name, showEvents, cancellationToken);
            }
            catch (ApiException ex)
            {
                errors.Add(ex);
                continue;
            }

            await session.Out.WriteAsync(first ? text : "\n\n" + text);
            first = false;
        }

        foreach (var error in errors)
        {
            await session.Err.WriteLineAsync(error.ToKubectlMessage());
        }

        return errors.Count > 0 ? 1 : 0;
    }

    private static async Task<string> DescribeOneAsync(KubectlSession session, ApiClient api, ApiResource resource, string? ns, string name, bool showEvents, CancellationToken cancellationToken)
    {
        var obj = await api.GetAsync(resource.ObjectPath(ns, name), ApiClient.JsonAccept, $"{resource.QualifiedName} {name}", cancellationToken);
        var now = session.Time.GetUtcNow();
        var uid = (string?)obj["metadata"]?["uid"] ?? string.Empty;
        if (resource.Group.Length == 0 && resource.Kind == "Pod")
        {
            var pod = KubernetesJson.Deserialize<V1Pod>(obj.ToJsonString());
            var events = showEvents
                ? await EventsAsync(api, ns, $"involvedObject.namespace={ns},involvedObject.uid={uid},involvedObject.name={name}", cancellationToken)
                : null;
            return PodDescriber.Describe(pod, events, now);
        }

        if (resource.Group.Length == 0 && resource.Kind == "Node")
        {
            var node = KubernetesJson.Deserialize<V1Node>(obj.ToJsonString());
            var podList = await api.GetAsync(
                "/api/v1/pods" + Query.Build(("fieldSelector", $"spec.nodeName={name},status.phase!=Succeeded,status.phase!=Failed"), ("limit", "500")),
                ApiClient.JsonAccept, "pods", cancellationToken);
            var pods = KubernetesJson.Deserialize<V1PodList>(podList.ToJsonString()).Items;
            V1Lease? lease = null;
            string? leaseError = null;
            try
            {
                var leaseJson = await api.GetAsync($"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{Uri.EscapeDataString(name)}", ApiClient.JsonAccept, $"leases.coordination.k8s.io {name}", cancellationToken);
                lease = KubernetesJson.Deserialize<V1Lease>(leaseJson.ToJsonString());
            }
            catch (ApiException ex)
            {
                leaseError = ex.Message;
            }

            List<Corev1Event>? events = null;
            if (showEvents)
            {
                events = await EventsAsync(api, null, $"involvedObject.kind=Node,involvedObject.uid={uid},involvedObject.name={name},involvedObject.namespace=", cancellationToken);
                if (uid != name)
                {
                    // Kubelets record node events with the node name as uid; kubectl asks for both.
                    events.AddRange(await EventsAsync(api, null, $"involvedObject.kind=Node,involvedObject.uid={name},involvedObject.name={name},involvedObject.namespace=", cancellationToken));
                }
            }

            return NodeDescriber.Describe(node, lease, leaseError, pods, events, now);
        }

        var genericEvents = showEvents
            ? await EventsAsync(api, ns, $"involvedObject.name={name},involvedObject.namespace={ns ?? string.Empty},involvedObject.kind={resource.Kind},involvedObject.uid={uid}", cancellationToken)
            : null;
        return GenericDescriber.Describe(obj, genericEvents, now);
    }

    private static async Task<List<Corev1Event>> EventsAsync(ApiClient api, string? ns, string fieldSelector, CancellationToken cancellationToken)
    {
        var path = (ns is null ? "/api/v1/events" : $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/events") + Query.Build(("fieldSelector", fieldSelector), ("limit", "500"));
        try
        {
            var list = await api.GetAsync(path, ApiClient.JsonAccept, "events", cancellationToken);
            return KubernetesJson.Deserialize<Corev1EventList>(list.ToJsonString()).Items?.ToList() ?? [];
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return [];
        }
    }
}
