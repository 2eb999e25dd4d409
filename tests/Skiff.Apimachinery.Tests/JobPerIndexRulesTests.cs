using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

/// <summary>batch/v1 Job: upstream's validation of backoffLimitPerIndex, maxFailedIndexes and the FailIndex action.</summary>
public sealed class JobPerIndexRulesTests
{
    private static List<string> Errors(Action<V1JobSpec> configure)
    {
        var job = new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "pi", NamespaceProperty = "default", Uid = "u-1" },
            Spec = new V1JobSpec
            {
                Completions = 3,
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "pi", Image = "busybox" }] },
                },
            },
        };
        configure(job.Spec);
        var strategy = new JobStrategy();
        strategy.PrepareForCreate(job, DateTimeOffset.UnixEpoch);
        return strategy.ValidateCreate(job).Select(e => e.ToString()).ToList();
    }

    private static readonly V1PodFailurePolicy FailIndexOn42 = new()
    {
        Rules = [new V1PodFailurePolicyRule { Action = "FailIndex", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [42] } }],
    };

    [Fact]
    public void Per_index_limits_are_accepted_on_an_indexed_job()
    {
        Assert.Empty(Errors(s =>
        {
            s.CompletionMode = "Indexed";
            s.BackoffLimitPerIndex = 1;
            s.MaxFailedIndexes = 2;
            s.PodFailurePolicy = FailIndexOn42;
        }));
    }

    [Fact]
    public void Per_index_limits_are_refused_with_upstreams_messages()
    {
        Assert.Equal(
            ["spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"],
            Errors(s => s.BackoffLimitPerIndex = 1));
        Assert.Equal(
            ["spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"],
            Errors(s => { s.CompletionMode = "Indexed"; s.MaxFailedIndexes = 1; }));
        Assert.Equal(
            ["spec.maxFailedIndexes: Invalid value: 4: must be less than or equal to completions"],
            Errors(s => { s.CompletionMode = "Indexed"; s.BackoffLimitPerIndex = 1; s.MaxFailedIndexes = 4; }));
        Assert.Equal(
            ["spec.podFailurePolicy.rules[0].action: Invalid value: \"FailIndex\": requires the backoffLimitPerIndex to be set"],
            Errors(s => { s.CompletionMode = "Indexed"; s.PodFailurePolicy = FailIndexOn42; }));
    }
}
