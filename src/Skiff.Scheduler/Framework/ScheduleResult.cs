using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Framework;

/// <summary>The outcome of one scheduling attempt: the chosen node, or the diagnosis of why none fits.</summary>
public sealed record ScheduleResult(NodeInfo? Node, Diagnosis? Diagnosis, int FeasibleNodes, int EvaluatedNodes);
