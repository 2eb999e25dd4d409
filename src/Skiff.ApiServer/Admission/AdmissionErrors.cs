using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Admission;

/// <summary>The errors admission plugins answer with, worded as upstream's admission.NewForbidden.</summary>
public static class AdmissionErrors
{
    /// <summary><c>pods "web" is forbidden: {reason}</c> (403), or <c>pods is forbidden: ...</c> without a name.</summary>
    public static ApiException Forbidden(AdmissionAttributes a, string reason)
    {
        var resource = StatusErrors.QualifiedResource(a.Resource);
        var name = a.Name.Length > 0 ? a.Name : a.Object?.Metadata?.Name ?? a.Object?.Metadata?.GenerateName ?? string.Empty;
        var message = name.Length > 0 ? $"{resource} \"{name}\" is forbidden: {reason}" : $"{resource} is forbidden: {reason}";
        return new ApiException(StatusErrors.Status(403, "Forbidden", message, new k8s.Models.V1StatusDetails
        {
            Name = name.Length > 0 ? name : null,
            Group = a.Resource.Group,
            Kind = a.Resource.Plural,
        }));
    }
}
