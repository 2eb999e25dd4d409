namespace Skiff.Api.Json;

/// <summary>How <see cref="GoJson"/> prints numbers.</summary>
public enum GoNumbers
{
    /// <summary>As the input wrote them (what Go prints for int64 and json.Number values).</summary>
    AsWritten,

    /// <summary>As Go prints a float64, the type encoding/json decodes every number of unstructured data into.</summary>
    Float64,
}
