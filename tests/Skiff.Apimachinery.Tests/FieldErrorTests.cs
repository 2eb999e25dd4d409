using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Tests;

public sealed class FieldErrorTests
{
    [Fact]
    public void Renders_like_kubernetes_field_error()
    {
        Assert.Equal("spec.containers[0].image: Required value", FieldErrors.Required("spec.containers[0].image").ToString());
        Assert.Equal("metadata.name: Required value: name or generateName is required",
            FieldErrors.Required("metadata.name", "name or generateName is required").ToString());
        Assert.Equal("metadata.name: Invalid value: \"Web\": bad", FieldErrors.Invalid("metadata.name", "Web", "bad").ToString());
        Assert.Equal("spec.containers[0].ports[0].containerPort: Invalid value: 0: must be between 1 and 65535, inclusive",
            FieldErrors.Invalid("spec.containers[0].ports[0].containerPort", 0, NameRules.InclusiveRangeError(1, 65535)).ToString());
        Assert.Equal("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            FieldErrors.NotSupported("spec.restartPolicy", "Sometimes", ["Always", "OnFailure", "Never"]).ToString());
        Assert.Equal("metadata.namespace: Forbidden: not allowed on this type",
            FieldErrors.Forbidden("metadata.namespace", "not allowed on this type").ToString());
        Assert.Equal("spec.containers[1].name: Duplicate value: \"a\"", FieldErrors.Duplicate("spec.containers[1].name", "a").ToString());
        Assert.Equal("x: Invalid value: \"a\\\"b\": d", FieldErrors.Invalid("x", "a\"b", "d").ToString());
        Assert.Equal("x: Invalid value: null: d", FieldErrors.Invalid("x", null, "d").ToString());
    }
}
