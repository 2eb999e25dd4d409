using Skiff.Apimachinery;

namespace Skiff.ApiServer.Registry;

/// <summary>Applies one kind of PATCH body to an object's JSON.</summary>
public interface IPatchApplier
{
    /// <summary>The patch media types handled, e.g. <c>application/merge-patch+json</c>.</summary>
    IReadOnlyList<string> MediaTypes { get; }

    /// <summary>The patched JSON; throws <see cref="Http.ApiException"/> (or FormatException) for a bad patch.</summary>
    byte[] Apply(string mediaType, ResourceDefinition def, byte[] currentJson, byte[] patch);
}
