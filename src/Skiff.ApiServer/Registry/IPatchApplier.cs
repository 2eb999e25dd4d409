namespace Skiff.ApiServer.Registry;

/// <summary>Applies one kind of PATCH body to an object's JSON.</summary>
public interface IPatchApplier
{
    /// <summary>The patch media types handled, e.g. <c>application/merge-patch+json</c>.</summary>
    IReadOnlyList<string> MediaTypes { get; }

    /// <summary>The patched JSON of an object of <paramref name="modelType"/>; throws <see cref="Http.ApiException"/>
    /// for a bad patch.</summary>
    byte[] Apply(string mediaType, Type modelType, byte[] currentJson, byte[] patch);
}
