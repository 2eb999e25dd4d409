namespace Skiff.Kubelet.Pods;

/// <summary>Why a container is not running yet, as shown in <c>state.waiting</c> (e.g. ErrImagePull, CrashLoopBackOff).</summary>
public readonly record struct WaitingReason(string Reason, string Message);
