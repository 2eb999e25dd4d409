using k8s.Models;
using Skiff.Apimachinery.Strategies.Quota;

namespace Skiff.Apimachinery.Tests;

/// <summary>core/v1 LimitRange and ResourceQuota: upstream's defaults, validation and printers.</summary>
public sealed class QuotaKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 11, 0, 0, TimeSpan.Zero);

    private static Dictionary<string, ResourceQuantity> List(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => new ResourceQuantity(i.Value));

    private static V1LimitRange Range(params V1LimitRangeItem[] items) =>
        new() { Metadata = new V1ObjectMeta { Name = "limits", NamespaceProperty = "default", CreationTimestamp = Now.UtcDateTime }, Spec = new V1LimitRangeSpec { Limits = items } };

    [Fact]
    public void Container_items_default_the_limit_to_max_and_the_request_to_the_limit_then_min()
    {
        var strategy = new LimitRangeStrategy();
        var range = Range(
            new V1LimitRangeItem { Type = "Container", Max = List(("cpu", "2")), Min = List(("memory", "64Mi")) },
            new V1LimitRangeItem { Type = "Pod", Max = List(("cpu", "4")) });
        strategy.PrepareForCreate(range, Now);
        var container = range.Spec.Limits[0];
        Assert.Equal("2", container.DefaultProperty["cpu"].ToString());
        Assert.Equal("2", container.DefaultRequest["cpu"].ToString());
        Assert.Equal("64Mi", container.DefaultRequest["memory"].ToString());
        Assert.Null(range.Spec.Limits[1].DefaultProperty);
        Assert.Empty(strategy.ValidateCreate(range));
        Assert.Equal(["limits", "2026-12-05T11:00:00Z"], strategy.Cells(range, Now));
    }

    [Fact]
    public void Validation_orders_min_default_request_default_and_max_and_forbids_defaults_on_pod_items()
    {
        var strategy = new LimitRangeStrategy();
        var range = Range(
            new V1LimitRangeItem { Type = "Container", Max = List(("cpu", "1")), Min = List(("cpu", "2")) },
            new V1LimitRangeItem { Type = "Pod", DefaultProperty = List(("cpu", "1")) },
            new V1LimitRangeItem { Type = "Container", MaxLimitRequestRatio = List(("memory", "500m")) });
        var errors = strategy.ValidateCreate(range).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater than max value 1", errors);
        Assert.Contains("spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'", errors);
        Assert.Contains("spec.limits[2].type: Duplicate value: \"Container\"", errors);
        Assert.Contains("spec.limits[2].maxLimitRequestRatio[memory]: Invalid value: \"500m\": ratio 500m is less than 1", errors);
    }

    [Fact]
    public void A_quota_prints_used_over_hard_with_limits_apart_and_refuses_negative_amounts()
    {
        var strategy = new ResourceQuotaStrategy();
        var quota = new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "q", NamespaceProperty = "default", CreationTimestamp = Now.AddSeconds(-30).UtcDateTime },
            Spec = new V1ResourceQuotaSpec { Hard = List(("pods", "2"), ("limits.cpu", "2"), ("requests.memory", "1Gi")) },
            Status = new V1ResourceQuotaStatus
            {
                Hard = List(("pods", "2"), ("limits.cpu", "2"), ("requests.memory", "1Gi")),
                Used = List(("pods", "1"), ("limits.cpu", "500m"), ("requests.memory", "0")),
            },
        };
        Assert.Equal(["q", "30s", "pods: 1/2, requests.memory: 0/1Gi", "limits.cpu: 500m/2"], strategy.Cells(quota, Now));

        // Status written by a client's create is dropped: only the controller and admission write it.
        strategy.PrepareForCreate(quota, Now);
        Assert.Null(quota.Status.Hard);
        Assert.Empty(strategy.ValidateCreate(quota));

        quota.Spec.Hard["pods"] = new ResourceQuantity("-1");
        quota.Spec.Scopes = ["Sometimes"];
        var errors = strategy.ValidateCreate(quota).Select(e => e.ToString()).ToList();
        // (The client library prints a negative quantity oddly, so only the field and the detail are compared.)
        Assert.Contains(errors, e => e.StartsWith("spec.hard[pods]: Invalid value: ", StringComparison.Ordinal) && e.EndsWith(": must be greater than or equal to 0", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("spec.scopes[0]: Unsupported value: \"Sometimes\"", StringComparison.Ordinal));
    }
}
