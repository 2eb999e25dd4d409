using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary><see cref="PatchApplier.ApplyToJson"/> applies patches to the top-level fields they name and copies the
/// rest: byte for byte what the whole-tree application writes, and the same refusals.</summary>
public class PatchApplierTests
{
    private const string Pod = """
        {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'web'},'finalizers':['a','b'],
          'annotations':{'note':'caf\u00e9 <b>'}},
         'spec':{'containers':[{'name':'main','image':'nginx:1.27','env':[{'name':'A','value':'1'}]},{'name':'side','image':'busybox'}],
          'tolerations':[{'key':'k1','operator':'Exists'}]},
         'status':{'phase':'Pending','conditions':[{'type':'PodScheduled','status':'True'}],'qosClass':'BestEffort'}}
        """;

    public static TheoryData<string, string, string> Cases => new()
    {
        { "a status write", PatchContentTypes.MergePatch, "{'status':{'phase':'Running','podIP':'10.0.0.5','conditions':[{'type':'Ready','status':'True'}]}}" },
        { "a kubelet's strategic status write", PatchContentTypes.StrategicMergePatch, "{'status':{'phase':'Running','conditions':[{'type':'Ready','status':'True'}],'$setElementOrder/conditions':[{'type':'PodScheduled'},{'type':'Ready'}]}}" },
        { "labels and a container", PatchContentTypes.StrategicMergePatch, "{'metadata':{'labels':{'tier':'front','app':null}},'spec':{'containers':[{'name':'main','image':'nginx:1.28'}]}}" },
        { "a field removed", PatchContentTypes.MergePatch, "{'status':null}" },
        { "a field removed, strategic", PatchContentTypes.StrategicMergePatch, "{'status':null,'spec':{'tolerations':null}}" },
        { "a new top-level field", PatchContentTypes.MergePatch, "{'extra':{'a':1},'metadata':{'annotations':{'x':'y'}}}" },
        { "a nested replace directive", PatchContentTypes.StrategicMergePatch, "{'spec':{'$patch':'replace','containers':[{'name':'only','image':'x'}]}}" },
        { "a top-level directive takes the whole tree", PatchContentTypes.StrategicMergePatch, "{'$patch':'replace','apiVersion':'v1','kind':'Pod','metadata':{'name':'p'}}" },
        { "a top-level retainKeys", PatchContentTypes.StrategicMergePatch, "{'$retainKeys':['metadata','spec'],'spec':{'restartPolicy':'Never'}}" },
        { "a repeated key keeps the last value", PatchContentTypes.MergePatch, "{'status':{'phase':'Failed','phase':'Succeeded'}}" },
        { "a JSON patch", PatchContentTypes.JsonPatch, "[{'op':'replace','path':'/status/phase','value':'Running'}]" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Writes_what_the_whole_tree_application_writes(string name, string contentType, string patch)
    {
        var original = Json.Bytes(Pod);
        var expected = JsonSerializer.SerializeToUtf8Bytes(PatchApplier.Apply(JsonNode.Parse(original)!.AsObject(), Json.Bytes(patch), contentType, typeof(V1Pod)));

        var actual = PatchApplier.ApplyToJson(original, Json.Bytes(patch), contentType, typeof(V1Pod));

        Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}\nexpected {Encoding.UTF8.GetString(expected)}\n  actual {Encoding.UTF8.GetString(actual)}");
    }

    public static TheoryData<string, string> Refused => new()
    {
        { PatchContentTypes.MergePatch, "{'status':" },
        { PatchContentTypes.StrategicMergePatch, "['not','a','map']" },
        { PatchContentTypes.StrategicMergePatch, "{'spec':{'containers':[{'name':'main','$patch':'bogus'}]}}" },
        { PatchContentTypes.StrategicMergePatch, "{'$patch':'delete'}" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refuses_what_the_whole_tree_application_refuses(string contentType, string patch)
    {
        var original = Json.Bytes(Pod);
        var expected = Assert.Throws<PatchException>(() => PatchApplier.Apply(JsonNode.Parse(original)!.AsObject(), Json.Bytes(patch), contentType, typeof(V1Pod)));

        var actual = Assert.Throws<PatchException>(() => PatchApplier.ApplyToJson(original, Json.Bytes(patch), contentType, typeof(V1Pod)));

        Assert.Equal((expected.Code, expected.Message), (actual.Code, actual.Message));
    }
}
