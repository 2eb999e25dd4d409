using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

public class JsonPatchTests
{
    private const string Doc = "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['a','b','c']}}";

    [Theory]
    [InlineData("[{'op':'add','path':'/spec/paused','value':true}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['a','b','c'],'paused':true}}")]
    [InlineData("[{'op':'add','path':'/spec/list/-','value':'d'}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['a','b','c','d']}}")]
    [InlineData("[{'op':'add','path':'/spec/list/0','value':'z'}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['z','a','b','c']}}")]
    [InlineData("[{'op':'remove','path':'/metadata/labels/a~1b'},{'op':'remove','path':'/metadata/labels/m~0n'}]", "{'metadata':{'name':'web','labels':{'app':'web'}},'spec':{'replicas':1,'list':['a','b','c']}}")]
    [InlineData("[{'op':'remove','path':'/spec/list/1'}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['a','c']}}")]
    [InlineData("[{'op':'replace','path':'/spec/replicas','value':3}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':3,'list':['a','b','c']}}")]
    [InlineData("[{'op':'move','from':'/spec/replicas','path':'/spec/count'}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'list':['a','b','c'],'count':1}}")]
    [InlineData("[{'op':'copy','from':'/spec/list/2','path':'/spec/list/0'}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':1,'list':['c','a','b','c']}}")]
    [InlineData("[{'op':'test','path':'/spec/replicas','value':1},{'op':'replace','path':'/spec/replicas','value':2}]", "{'metadata':{'name':'web','labels':{'app':'web','a/b':'x','m~n':'y'}},'spec':{'replicas':2,'list':['a','b','c']}}")]
    [InlineData("[]", Doc)]
    public void Applies_operations_in_order(string patch, string expected)
    {
        var original = Json.Obj(Doc);
        var result = PatchApplier.Apply(original, Json.Bytes(patch), "application/json-patch+json", null);
        Json.Equal(expected, result);
        Json.Equal(Doc, original);
    }

    [Theory]
    [InlineData("[{'op':'test','path':'/spec/replicas','value':2}]", "testing value /spec/replicas failed: test failed")]
    [InlineData("[{'op':'remove','path':'/spec/missing'}]", "Unable to remove nonexistent key: missing: missing value")]
    [InlineData("[{'op':'replace','path':'/spec/missing','value':1}]", "replace operation does not apply: doc is missing key: /spec/missing: missing value")]
    [InlineData("[{'op':'add','path':'/nope/x','value':1}]", "add operation does not apply: doc is missing path: \"/nope/x\": missing value")]
    [InlineData("[{'op':'add','path':'/spec/list/9','value':1}]", "Unable to access invalid index: 9: invalid index referenced")]
    [InlineData("[{'op':'frobnicate','path':'/spec'}]", "Unexpected kind: frobnicate")]
    [InlineData("[{'op':'replace','path':'/spec/replicas','value':5},{'op':'test','path':'/spec/replicas','value':1}]", "testing value /spec/replicas failed: test failed")]
    public void Failed_operations_are_422_and_change_nothing(string patch, string detail)
    {
        var original = Json.Obj(Doc);
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(original, Json.Bytes(patch), "application/json-patch+json", null));
        Assert.Equal(422, error.Code);
        Assert.Equal("Invalid", error.Reason);
        Assert.Equal(detail, Assert.Single(error.Causes).Message);
        Json.Equal(Doc, original);
    }

    [Theory]
    [InlineData("{'op':'add'}")]
    [InlineData("[1]")]
    [InlineData("not json")]
    public void Malformed_bodies_are_400(string patch)
    {
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(Json.Obj(Doc), Json.Bytes(patch), "application/json-patch+json", null));
        Assert.Equal(400, error.Code);
        Assert.Equal("BadRequest", error.Reason);
    }

    [Fact]
    public void Unknown_content_type_is_415_naming_the_accepted_types()
    {
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(Json.Obj(Doc), Json.Bytes("{}"), "text/plain", typeof(k8s.Models.V1Pod)));
        Assert.Equal(415, error.Code);
        Assert.Equal(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml",
            error.Message);
    }

    [Fact]
    public void Apply_bodies_are_not_patches()
    {
        Assert.Throws<ArgumentException>(() => PatchApplier.Apply(Json.Obj(Doc), Json.Bytes("{}"), "application/apply-patch+yaml", typeof(k8s.Models.V1Pod)));
    }

    [Fact]
    public void Strategic_merge_patch_on_a_custom_resource_is_415()
    {
        var error = Assert.Throws<PatchException>(() => PatchApplier.Apply(Json.Obj(Doc), Json.Bytes("{}"), "application/strategic-merge-patch+json", null));
        Assert.Equal(415, error.Code);
        Assert.DoesNotContain("strategic", error.Message, StringComparison.Ordinal);
    }
}
