using System.Text.Json.Nodes;
using Skiff.Api.Text;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Audit;

/// <summary>
/// An audit.k8s.io/v1 Policy (kube-apiserver's <c>--audit-policy-file</c>): the first rule that matches a request
/// gives its level and the stages to leave out (with the policy's own omitStages); no rule matching means level None.
/// </summary>
public sealed class AuditPolicy
{
    public AuditPolicy(IReadOnlyList<AuditPolicyRule> rules, IReadOnlySet<string> omitStages)
    {
        Rules = rules;
        OmitStages = omitStages;
    }

    public IReadOnlyList<AuditPolicyRule> Rules { get; }

    public IReadOnlySet<string> OmitStages { get; }

    /// <summary>The level of a request and the stages not to write (upstream's policy checker).</summary>
    public (AuditLevel Level, IReadOnlySet<string> OmitStages) Evaluate(AuthorizationAttributes request)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(request))
            {
                return (rule.Level, rule.OmitStages.Count == 0 ? OmitStages : new HashSet<string>(OmitStages.Concat(rule.OmitStages), StringComparer.Ordinal));
            }
        }

        return (AuditLevel.None, OmitStages);
    }

    public static AuditPolicy Load(string path) => Parse(File.ReadAllText(path));

    /// <summary>Reads a policy from YAML or JSON; a malformed one is a <see cref="FormatException"/> saying why.</summary>
    public static AuditPolicy Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var root = JsonNode.Parse(YamlToJson.Convert(System.Text.Encoding.UTF8.GetBytes(yaml))) as JsonObject
            ?? throw new FormatException("the audit policy is not a YAML object");
        var apiVersion = (string?)root["apiVersion"];
        if ((string?)root["kind"] != "Policy" || apiVersion is not ("audit.k8s.io/v1" or "audit.k8s.io/v1beta1"))
        {
            throw new FormatException($"the audit policy must be kind Policy of apiVersion audit.k8s.io/v1, not {root["kind"]} of {apiVersion}");
        }

        var rules = new List<AuditPolicyRule>();
        var index = 0;
        foreach (var node in root["rules"]?.AsArray() ?? [])
        {
            if (node is not JsonObject rule)
            {
                throw new FormatException($"rules[{index}] is not an object");
            }

            rules.Add(AuditPolicyRule.Parse(rule, $"rules[{index}]"));
            index++;
        }

        if (rules.Count == 0)
        {
            throw new FormatException("the audit policy has no rules: rules: Required value: at least one rule is needed");
        }

        return new AuditPolicy(rules, Stages(root["omitStages"], "omitStages"));
    }

    internal static IReadOnlySet<string> Stages(JsonNode? node, string field)
    {
        var stages = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in Strings(node))
        {
            if (!AuditStages.All.Contains(stage))
            {
                throw new FormatException($"{field}: Unsupported value: \"{stage}\": supported values: \"RequestReceived\", \"ResponseStarted\", \"ResponseComplete\", \"Panic\"");
            }

            stages.Add(stage);
        }

        return stages;
    }

    internal static List<string> Strings(JsonNode? node) => node is JsonArray array ? array.Select(n => (string?)n ?? string.Empty).ToList() : [];
}
