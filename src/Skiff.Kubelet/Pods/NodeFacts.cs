namespace Skiff.Kubelet.Pods;

/// <summary>What pod sync needs to know about its node.</summary>
public sealed record NodeFacts(string NodeName, string HostIp, int Cpu, long MemoryBytes);
