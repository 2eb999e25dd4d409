using Skiff.Cli.Api;

namespace Skiff.Cli.Commands;

/// <summary>One resource type and the names asked for (empty = all).</summary>
public sealed record ResourceRequest(ApiResource Resource, IReadOnlyList<string> Names);

/// <summary>
/// Parses kubectl's resource arguments: <c>TYPE[,TYPE...] [NAME...]</c> or <c>TYPE/NAME [TYPE/NAME...]</c>.
/// </summary>
public static class ResourceArguments
{
    public static IReadOnlyList<ResourceRequest> Parse(IReadOnlyList<string> args, Discovery discovery)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(discovery);
        if (args.Count == 0)
        {
            throw new CliException("you must specify the type of resource to get. Use \"skiff kubectl api-resources\" for a complete list of supported resources.");
        }

        if (args[0].Contains('/', StringComparison.Ordinal))
        {
            var requests = new List<ResourceRequest>();
            foreach (var arg in args)
            {
                var slash = arg.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == arg.Length - 1)
                {
                    throw new CliException($"there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'");
                }

                var resource = discovery.Resolve(arg[..slash]);
                var existing = requests.FindIndex(r => r.Resource == resource);
                if (existing >= 0)
                {
                    requests[existing] = requests[existing] with { Names = [.. requests[existing].Names, arg[(slash + 1)..]] };
                }
                else
                {
                    requests.Add(new ResourceRequest(resource, [arg[(slash + 1)..]]));
                }
            }

            return requests;
        }

        if (args.Skip(1).Any(a => a.Contains('/', StringComparison.Ordinal)))
        {
            throw new CliException("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'");
        }

        var types = args[0].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(discovery.Resolve).Distinct().ToList();
        var names = args.Skip(1).ToList();
        return types.Select(t => new ResourceRequest(t, names)).ToList();
    }
}
