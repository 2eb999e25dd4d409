namespace Skiff.Kubelet.Pods;

/// <summary>What the probes say of one running container instance.</summary>
public readonly record struct ProbeResult(bool Started, bool Ready);
