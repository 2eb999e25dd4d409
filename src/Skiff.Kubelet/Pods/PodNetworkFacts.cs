namespace Skiff.Kubelet.Pods;

/// <summary>Node and pod facts the downward API and env need beyond the pod object.</summary>
public sealed record PodNetworkFacts(string NodeName, string HostIp, string? PodIp, int NodeCpu, long NodeMemoryBytes);
