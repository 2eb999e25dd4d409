using Skiff.Api.Selection;

namespace Skiff.Client.Cache;

/// <summary>
/// Reads of an informer's cache (client-go's lister and indexer). Never a request to the API server. The objects
/// are shared by every reader: never change one; copy it (<see cref="ObjectCopy"/>) to build an update.
/// </summary>
public interface IReadOnlyCache<T>
    where T : class
{
    /// <summary>The object with key <c>namespace/name</c> (or <c>name</c>), or null.</summary>
    T? GetByKey(string key);

    T? Get(string? ns, string name);

    /// <summary>Every object.</summary>
    IReadOnlyList<T> List();

    /// <summary>The objects of one namespace whose labels match <paramref name="selector"/> (all when null).</summary>
    IReadOnlyList<T> List(string? ns, LabelSelector? selector = null);

    /// <summary>The objects whose index <paramref name="indexName"/> has <paramref name="value"/>.</summary>
    IReadOnlyList<T> ByIndex(string indexName, string value);

    /// <summary>Every key.</summary>
    IReadOnlyList<string> Keys();

    int Count { get; }
}
