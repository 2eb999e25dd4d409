namespace Skiff.ApiServer.Admission;

/// <summary>
/// One admission plugin (upstream's admission.Interface with MutationInterface and ValidationInterface in one). The
/// chain calls <see cref="Admit"/> of every plugin in order, then the strategy's validation, then
/// <see cref="Validate"/> of every plugin in order. A plugin refuses a request by throwing an
/// <see cref="Http.ApiException"/> (see <see cref="AdmissionErrors"/>); nothing is written then. Plugins are
/// synchronous: what they read about the cluster comes from <see cref="AdmissionAttributes.Cluster"/> (the watch
/// cache), as upstream's plugins read their informers' listers. To add one, implement this and list it in
/// <see cref="AdmissionPlugins"/>.
/// </summary>
public interface IAdmissionPlugin
{
    /// <summary>Upstream's plugin name, e.g. <c>ServiceAccount</c>.</summary>
    string Name { get; }

    /// <summary>The mutating phase: may change <see cref="AdmissionAttributes.Object"/>.</summary>
    void Admit(AdmissionAttributes attributes)
    {
    }

    /// <summary>The validating phase: may only refuse.</summary>
    void Validate(AdmissionAttributes attributes)
    {
    }

    /// <summary>
    /// The validating phase of a create, for plugins that must write (ResourceQuota charges usage with an
    /// optimistic-concurrency update). By default <see cref="Validate"/>. Updates, deletes and connects call only
    /// <see cref="Validate"/>.
    /// </summary>
    Task ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        Validate(attributes);
        return Task.CompletedTask;
    }
}
