using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// A check that a user's creates and updates of one resource pass after the strategy validated the object, before
/// validating admission (upstream wraps such resources' storage, e.g. RBAC's policybased storages that refuse
/// privilege escalation). It refuses by throwing an <see cref="Http.ApiException"/>; writes made by the API server's
/// own loops (no user) are not checked.
/// </summary>
public interface IWriteGuard
{
    void Check(AdmissionAttributes attributes);
}
