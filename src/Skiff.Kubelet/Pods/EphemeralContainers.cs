using k8s.Models;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Ephemeral containers (<c>kubectl debug</c>) as the kubelet runs them: like a container of the pod, started once in
/// the running pod and never restarted, without ports, probes, resources or lifecycle hooks (the API server refuses
/// those), optionally in the process namespace of a target container.
/// </summary>
public static class EphemeralContainers
{
    /// <summary>The ephemeral container's fields as a container, so the one start path builds both.</summary>
    public static V1Container AsContainer(V1EphemeralContainer ephemeral)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        return new V1Container
        {
            Name = ephemeral.Name,
            Image = ephemeral.Image,
            Command = ephemeral.Command,
            Args = ephemeral.Args,
            WorkingDir = ephemeral.WorkingDir,
            Env = ephemeral.Env,
            EnvFrom = ephemeral.EnvFrom,
            VolumeMounts = ephemeral.VolumeMounts,
            VolumeDevices = ephemeral.VolumeDevices,
            ImagePullPolicy = ephemeral.ImagePullPolicy,
            SecurityContext = ephemeral.SecurityContext,
            Stdin = ephemeral.Stdin,
            StdinOnce = ephemeral.StdinOnce,
            Tty = ephemeral.Tty,
            TerminationMessagePath = ephemeral.TerminationMessagePath,
            TerminationMessagePolicy = ephemeral.TerminationMessagePolicy,
        };
    }

    /// <summary>Whether <paramref name="name"/> is one of the pod's ephemeral containers.</summary>
    public static bool IsEphemeral(V1Pod pod, string name)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Spec.EphemeralContainers?.Any(e => e.Name == name) == true;
    }
}
