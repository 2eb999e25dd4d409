namespace Skiff.ApiServer.Admission;

/// <summary>What a request does to an object (upstream's admission.Operation).</summary>
public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
    Connect,
}
