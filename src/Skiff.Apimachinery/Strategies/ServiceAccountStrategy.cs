using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a service account. Printer: NAME SECRETS AGE.</summary>
public sealed class ServiceAccountStrategy : ResourceStrategy<V1ServiceAccount>
{
    public ServiceAccountStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Integer("Secrets", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."),
        Column.Age,
    ];

    protected override IReadOnlyList<object?> Cells(V1ServiceAccount obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, (long)(obj.Secrets?.Count ?? 0), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];
}
