using Skiff.Apimachinery.Printing;

namespace Skiff.Apimachinery.Strategies.Workloads;

/// <summary>The wide columns every workload printer ends with.</summary>
internal static class WorkloadColumns
{
    public static TableColumn Containers { get; } = Column.String("Containers", "Names of each container in the template.", 1);

    public static TableColumn Images { get; } = Column.String("Images", "Images referenced by each container in the template.", 1);

    public static TableColumn Selector { get; } = Column.String("Selector", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1);
}
