using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's DefaultTolerationSeconds plugin: a created pod that does not tolerate the <c>not-ready</c> and
/// <c>unreachable</c> NoExecute taints tolerates each for 300 s, so its node's failure evicts it after five minutes.
/// </summary>
public sealed class DefaultTolerationSecondsAdmission : IAdmissionPlugin
{
    public const long DefaultTolerationSeconds = 300;

    /// <summary>The taints tolerated for <see cref="DefaultTolerationSeconds"/> on every pod.</summary>
    public static readonly IReadOnlyList<string> NoExecuteTaintsTolerated = ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"];

    public string Name => "DefaultTolerationSeconds";

    public void Admit(AdmissionAttributes a)
    {
        if (a.Operation != AdmissionOperation.Create || !a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod pod)
        {
            return;
        }

        var spec = pod.Spec ??= new V1PodSpec();
        var tolerations = spec.Tolerations ?? [];
        foreach (var taint in NoExecuteTaintsTolerated)
        {
            var tolerated = tolerations.Any(t =>
                (string.IsNullOrEmpty(t.Effect) || t.Effect == "NoExecute")
                && (string.IsNullOrEmpty(t.Key) ? t.OperatorProperty == "Exists" : t.Key == taint));
            if (!tolerated)
            {
                tolerations.Add(new V1Toleration
                {
                    Key = taint, OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = DefaultTolerationSeconds,
                });
            }
        }

        spec.Tolerations = tolerations;
    }
}
