using k8s.Models;
using Skiff.Apimachinery.Strategies.Scheduling;

namespace Skiff.Apimachinery.Tests;

/// <summary>scheduling.k8s.io/v1 PriorityClass: upstream's defaults, validation messages and printer.</summary>
public sealed class PriorityClassKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);
    private static readonly PriorityClassStrategy Strategy = new();

    private static V1PriorityClass Class(string name, int? value, bool? globalDefault = null, string? policy = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Value = value,
        GlobalDefault = globalDefault,
        PreemptionPolicy = policy,
    };

    private static IReadOnlyList<string> Errors(V1PriorityClass pc)
    {
        Strategy.PrepareForCreate(pc, Now);
        return Strategy.ValidateCreate(pc).Select(e => e.ToString()).ToList();
    }

    private static IReadOnlyList<string> UpdateErrors(V1PriorityClass old, Action<V1PriorityClass> change)
    {
        Strategy.PrepareForCreate(old, Now);
        var updated = Class(old.Metadata.Name, old.Value, old.GlobalDefault, old.PreemptionPolicy);
        change(updated);
        Strategy.PrepareForUpdate(updated, old, Now);
        return Strategy.ValidateUpdate(updated, old).Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void A_new_class_gets_value_zero_the_default_policy_and_generation_one()
    {
        var pc = Class("low", null);
        Assert.Empty(Errors(pc));
        Assert.Equal(0, pc.Value);
        Assert.Equal("PreemptLowerPriority", pc.PreemptionPolicy);
        Assert.Equal(1, pc.Metadata.Generation);

        var never = Class("batch", -5, policy: "Never");
        Assert.Empty(Errors(never));
        Assert.Equal("Never", never.PreemptionPolicy);
    }

    [Fact]
    public void User_classes_stay_at_or_below_one_billion()
    {
        Assert.Empty(Errors(Class("top", 1_000_000_000)));
        Assert.Equal(["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"], Errors(Class("too-high", 1_000_000_001)));
    }

    [Fact]
    public void The_system_prefix_is_reserved_for_the_two_system_classes_with_their_values()
    {
        foreach (var system in SystemPriorityClasses.Create())
        {
            Assert.Empty(Errors(system));
        }

        Assert.Equal(
            ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-important is not a known system priority class"],
            Errors(Class("system-important", 10)));
        Assert.Equal(
            ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000"],
            Errors(Class("system-node-critical", 5)));
        Assert.Equal(
            ["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false"],
            Errors(Class("system-cluster-critical", 2_000_000_000, globalDefault: true)));
    }

    [Fact]
    public void Preemption_policy_is_one_of_two()
    {
        Assert.Equal(["preemptionPolicy: Unsupported value: \"Sometimes\": supported values: \"PreemptLowerPriority\", \"Never\""], Errors(Class("odd", 1, policy: "Sometimes")));
        Assert.Equal(["preemptionPolicy: Required value"], Errors(Class("empty", 1, policy: string.Empty)));
    }

    [Fact]
    public void Value_and_preemption_policy_are_immutable_while_description_and_default_may_change()
    {
        Assert.Equal(["value: Forbidden: may not be changed in an update."], UpdateErrors(Class("high", 1000), pc => pc.Value = 2000));
        Assert.Equal(["preemptionPolicy: Invalid value: \"Never\": field is immutable"], UpdateErrors(Class("high", 1000), pc => pc.PreemptionPolicy = "Never"));
        Assert.Empty(UpdateErrors(Class("high", 1000), pc => (pc.Description, pc.GlobalDefault) = ("now the default", true)));
    }

    [Fact]
    public void The_printer_shows_upstreams_columns()
    {
        Assert.Equal(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"], Strategy.Columns.Select(c => c.Name));
        var pc = Class("high", 1000, globalDefault: true);
        Strategy.PrepareForCreate(pc, Now);
        pc.Metadata.CreationTimestamp = Now.AddMinutes(-3).UtcDateTime;
        Assert.Equal(["high", 1000L, true, "3m", "PreemptLowerPriority"], Strategy.Cells(pc, Now));
    }
}
