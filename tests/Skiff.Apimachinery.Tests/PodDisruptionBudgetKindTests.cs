using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

/// <summary>policy/v1 PodDisruptionBudget: upstream's validation messages.</summary>
public sealed class PodDisruptionBudgetKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<string> Errors(string? minAvailable, string? maxUnavailable, string? policy = null)
    {
        var pdb = new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1PodDisruptionBudgetSpec
            {
                MinAvailable = minAvailable is null ? null : (IntOrString)minAvailable,
                MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
                Selector = new V1LabelSelector(),
                UnhealthyPodEvictionPolicy = policy,
            },
        };
        var strategy = new PodDisruptionBudgetStrategy();
        strategy.PrepareForCreate(pdb, Now);
        return strategy.ValidateCreate(pdb).Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void A_count_or_a_percentage_with_an_empty_selector_is_valid()
    {
        Assert.Empty(Errors("2", null));
        Assert.Empty(Errors(null, "25%", "AlwaysAllow"));
    }

    [Fact]
    public void Invalid_budgets_get_upstream_messages()
    {
        Assert.Contains("spec.minAvailable: Invalid value: 1: minAvailable and maxUnavailable cannot be both set", Errors("1", "1"));
        Assert.Contains("spec.minAvailable: Invalid value: -1: must be greater than or equal to 0", Errors("-1", null));
        Assert.Contains("spec.maxUnavailable: Invalid value: \"120%\": must not be greater than 100%", Errors(null, "120%"));
        Assert.Contains(
            "spec.unhealthyPodEvictionPolicy: Unsupported value: \"Sometimes\": supported values: \"IfHealthyBudget\", \"AlwaysAllow\"",
            Errors("1", null, "Sometimes"));
    }
}
