using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary>Server-side apply's typed conversion: undeclared fields with structured-merge-diff's paths and message.</summary>
public sealed class UndeclaredFieldsTests
{
    [Fact]
    public void A_declared_configuration_has_none()
    {
        Assert.Empty(UndeclaredFields.Find(Json.Obj("""
            {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','labels':{'any':'v'}},
             'spec':{'replicas':2,'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':{'labels':{'app':'web'}},
               'spec':{'containers':[{'name':'main','image':'nginx','ports':[{'containerPort':80}],'resources':{'limits':{'cpu':'1'}}}],
                       'tolerations':[{'key':'k','operator':'Exists'}]}}},
             'status':{}}
            """), typeof(V1Deployment)));
    }

    [Theory]
    // Associative lists are addressed by their keys, other lists by index, maps of structs by key.
    [InlineData("{'spec':{'template':{'spec':{'containers':[{'name':'main','imagee':'x'}]}}}}", ".spec.template.spec.containers[name=\"main\"].imagee")]
    [InlineData("{'spec':{'template':{'spec':{'containers':[{'name':'main','ports':[{'containerPort':80,'protocol':'TCP','nme':'x'}]}]}}}}",
        ".spec.template.spec.containers[name=\"main\"].ports[containerPort=80,protocol=\"TCP\"].nme")]
    [InlineData("{'spec':{'template':{'spec':{'tolerations':[{'key':'k'},{'kee':'k'}]}}}}", ".spec.template.spec.tolerations[1].kee")]
    [InlineData("{'replicas':1}", ".replicas")]
    [InlineData("{'metadata':{'name':'web','lables':{}}}", ".metadata.lables")]
    [InlineData("{'status':{'replicass':1}}", ".status.replicass")]
    public void Undeclared_fields_are_named_by_their_structured_merge_diff_path(string applied, string path) =>
        Assert.Equal([path + ": field not declared in schema"], UndeclaredFields.Find(Json.Obj(applied), typeof(V1Deployment)));

    [Fact]
    public void The_message_names_the_applied_object_and_lists_several_errors()
    {
        var single = Json.Obj("{'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','namespace':'ns'},'spec':{'containers':[{'name':'c','imagee':'x'}]}}");
        Assert.Equal(
            "failed to create typed patch object (ns/p; /v1, Kind=Pod): .spec.containers[name=\"c\"].imagee: field not declared in schema",
            UndeclaredFields.Message(single, UndeclaredFields.Find(single, typeof(V1Pod))));

        var several = Json.Obj("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},'spec':{'a':1,'b':2}}");
        Assert.Equal(
            "failed to create typed patch object (/d; apps/v1, Kind=Deployment): errors:\n  .spec.a: field not declared in schema\n  .spec.b: field not declared in schema",
            UndeclaredFields.Message(several, UndeclaredFields.Find(several, typeof(V1Deployment))));
    }
}
