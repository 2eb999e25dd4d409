using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

public class MergePatchTests
{
    [Theory]
    // RFC 7386 appendix A examples, plus what kubectl sends.
    [InlineData("{'a':'b'}", "{'a':'c'}", "{'a':'c'}")]
    [InlineData("{'a':'b'}", "{'b':'c'}", "{'a':'b','b':'c'}")]
    [InlineData("{'a':'b'}", "{'a':null}", "{}")]
    [InlineData("{'a':'b','b':'c'}", "{'a':null}", "{'b':'c'}")]
    [InlineData("{'a':['b']}", "{'a':'c'}", "{'a':'c'}")]
    [InlineData("{'a':'c'}", "{'a':['b']}", "{'a':['b']}")]
    [InlineData("{'a':{'b':'c'}}", "{'a':{'b':'d','c':null}}", "{'a':{'b':'d'}}")]
    [InlineData("{'a':[{'b':'c'}]}", "{'a':[1]}", "{'a':[1]}")]
    [InlineData("{'e':null}", "{'a':1}", "{'e':null,'a':1}")]
    [InlineData("{}", "{'a':{'bb':{'ccc':null}}}", "{'a':{'bb':{}}}")]
    [InlineData("{'spec':{'replicas':1,'template':{}}}", "{'spec':{'replicas':3}}", "{'spec':{'replicas':3,'template':{}}}")]
    [InlineData("{'metadata':{'labels':{'a':'1','b':'2'}}}", "{'metadata':{'labels':{'a':null,'c':'3'}}}", "{'metadata':{'labels':{'b':'2','c':'3'}}}")]
    public void Merges_per_rfc_7386(string original, string patch, string expected)
    {
        var result = PatchApplier.Apply(Json.Obj(original), Json.Bytes(patch), "application/merge-patch+json; charset=utf-8", null);
        Json.Equal(expected, result);
    }

    [Fact]
    public void Malformed_body_is_400()
    {
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(Json.Obj("{}"), Json.Bytes("{'a':"), "application/merge-patch+json", null));
        Assert.Equal(400, error.Code);
    }

    [Fact]
    public void A_patch_that_is_not_an_object_cannot_replace_the_object()
    {
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(Json.Obj("{'a':1}"), Json.Bytes("[1]"), "application/merge-patch+json", null));
        Assert.Equal(400, error.Code);
    }
}
