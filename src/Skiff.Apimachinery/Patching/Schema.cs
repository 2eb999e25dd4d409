namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Where a JSON value sits in the model: a struct of a known model type, or the values of a map of such structs.
/// <see cref="Strategy"/> is the merge strategy of the field that holds it (for list elements, the list's).
/// </summary>
internal readonly record struct Schema(Type? StructType, Type? MapValueType, FieldStrategy? Strategy)
{
    public static Schema None => default;

    public static Schema ForStruct(Type? type) => new(type, null, null);

    /// <summary>The schema of the value under <paramref name="field"/>, or of a list's elements when the field is a list.</summary>
    public Schema Child(string field)
    {
        if (MapValueType is not null)
        {
            return ForStruct(MapValueType);
        }

        var (shape, element) = ModelSchema.Field(StructType, field);
        var strategy = PatchStrategyTable.Lookup(StructType, field);
        return shape switch
        {
            FieldShape.Map => new Schema(null, element, strategy),
            _ => new Schema(element, null, strategy),
        };
    }
}
