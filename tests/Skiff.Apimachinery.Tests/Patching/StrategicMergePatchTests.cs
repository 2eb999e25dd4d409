using k8s.Models;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

public class StrategicMergePatchTests
{
    private const string Pod = """
        {'apiVersion':'v1','kind':'Pod','metadata':{'name':'p','labels':{'app':'web'},'finalizers':['a','b']},
         'spec':{'containers':[
            {'name':'main','image':'nginx:1.27','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],
             'ports':[{'containerPort':80},{'containerPort':443}],'args':['x','y']},
            {'name':'side','image':'busybox'}],
          'tolerations':[{'key':'k1','operator':'Exists'}],
          'volumes':[{'name':'data','emptyDir':{}}]}}
        """;

    public static TheoryData<string, string, string> PodCases => new()
    {
        {
            "containers merged by name, the other container kept",
            "{'spec':{'containers':[{'name':'main','image':'nginx:1.28'}]}}",
            "{'spec':{'containers':[{'name':'main','image':'nginx:1.28','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],'ports':[{'containerPort':80},{'containerPort':443}],'args':['x','y']},{'name':'side','image':'busybox'}]}}"
        },
        {
            "env merged by name, new entries appended, args (no strategy) replaced",
            "{'spec':{'containers':[{'name':'main','env':[{'name':'B','value':'20'},{'name':'C','value':'3'}],'args':['z']}]}}",
            "{'spec':{'containers':[{'name':'main','image':'nginx:1.27','env':[{'name':'A','value':'1'},{'name':'B','value':'20'},{'name':'C','value':'3'}],'ports':[{'containerPort':80},{'containerPort':443}],'args':['z']},{'name':'side','image':'busybox'}]}}"
        },
        {
            "$patch: delete removes a container by merge key, ports merged by containerPort",
            "{'spec':{'containers':[{'name':'side','$patch':'delete'},{'name':'main','ports':[{'containerPort':443,'$patch':'delete'},{'containerPort':8080}]}]}}",
            "{'spec':{'containers':[{'name':'main','image':'nginx:1.27','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],'ports':[{'containerPort':80},{'containerPort':8080}],'args':['x','y']}]}}"
        },
        {
            "$patch: replace on a list replaces it",
            "{'spec':{'containers':[{'$patch':'replace'},{'name':'only','image':'x'}]}}",
            "{'spec':{'containers':[{'name':'only','image':'x'}]}}"
        },
        {
            "tolerations have no merge key: replaced",
            "{'spec':{'tolerations':[{'key':'k2','operator':'Exists'}]}}",
            "{'spec':{'tolerations':[{'key':'k2','operator':'Exists'}]}}"
        },
        {
            "null deletes a field, nested maps merge",
            "{'metadata':{'labels':{'app':null,'tier':'web'}},'spec':{'volumes':null}}",
            "{'metadata':{'labels':{'app':null,'tier':'web'}},'spec':{'volumes':null}}"
        },
        {
            "finalizers are a set: union, then $deleteFromPrimitiveList",
            "{'metadata':{'finalizers':['b','c'],'$deleteFromPrimitiveList/finalizers':['a']}}",
            "{'metadata':{'finalizers':['b','c']}}"
        },
        {
            "$setElementOrder reorders the containers as kubectl apply sends it",
            "{'spec':{'$setElementOrder/containers':[{'name':'side'},{'name':'main'}],'containers':[{'name':'main','image':'nginx:1.28'}]}}",
            "{'spec':{'containers':[{'name':'side','image':'busybox'},{'name':'main','image':'nginx:1.28','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],'ports':[{'containerPort':80},{'containerPort':443}],'args':['x','y']}]}}"
        },
        {
            "$retainKeys on a volume drops the source the new config no longer has",
            "{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/d'},'$retainKeys':['hostPath','name']}]}}",
            "{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/d'}}]}}"
        },
        {
            "$patch: replace on a map replaces that map",
            "{'metadata':{'labels':{'$patch':'replace','new':'1'}}}",
            "{'metadata':{'labels':{'app':null,'new':'1'}}}"
        },
        {
            "$patch: delete on a map removes it",
            "{'metadata':{'labels':{'$patch':'delete'}}}",
            "{'metadata':{'labels':null}}"
        },
        {
            "a new container with its own directives is added clean",
            "{'spec':{'containers':[{'name':'third','image':'x','env':[{'name':'Q','value':'1'},{'name':'R','$patch':'delete'}]}]}}",
            "{'spec':{'containers':[{'name':'main','image':'nginx:1.27','env':[{'name':'A','value':'1'},{'name':'B','value':'2'}],'ports':[{'containerPort':80},{'containerPort':443}],'args':['x','y']},{'name':'side','image':'busybox'},{'name':'third','image':'x','env':[{'name':'Q','value':'1'}]}]}}"
        },
    };

    [Theory]
    [MemberData(nameof(PodCases))]
    public void Pod_patches_follow_kubernetes(string why, string patch, string expectedChanges)
    {
        var original = Json.Obj(Pod);
        var result = PatchApplier.Apply(original, Json.Bytes(patch), "application/strategic-merge-patch+json", typeof(V1Pod));

        // The expected value is written as a JSON merge patch of the original: only what changes, lists in full.
        var expected = JsonMergePatch.Merge(Json.Obj(Pod), Json.Obj(expectedChanges))!;

        Assert.False(string.IsNullOrEmpty(why));
        Json.Equal(expected.ToJsonString(), result);
        Json.Equal(Pod, original);
    }

    [Fact]
    public void Kubectl_apply_patch_on_a_deployment_merges_through_the_pod_template()
    {
        var deployment = Json.Obj("""
            {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','annotations':{'x':'1'}},
             'spec':{'replicas':2,'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}},
              'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[
                {'name':'web','image':'nginx:1.27','volumeMounts':[{'name':'a','mountPath':'/a'},{'name':'b','mountPath':'/b'}]}]}}}}
            """);
        var patch = """
            {'metadata':{'annotations':{'kubectl.kubernetes.io/last-applied-configuration':'{}'}},
             'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate','rollingUpdate':null},
              'template':{'metadata':{'annotations':{'kubectl.kubernetes.io/restartedAt':'2026-01-01T00:00:00Z'}},
               'spec':{'$setElementOrder/containers':[{'name':'web'}],
                'containers':[{'name':'web','image':'nginx:1.28','volumeMounts':[{'mountPath':'/c','name':'c'},{'mountPath':'/a','$patch':'delete'}]}]}}}}
            """;
        var result = PatchApplier.Apply(deployment, Json.Bytes(patch), "application/strategic-merge-patch+json", typeof(V1Deployment));
        Json.Equal("""
            {'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','annotations':{'x':'1','kubectl.kubernetes.io/last-applied-configuration':'{}'}},
             'spec':{'replicas':2,'strategy':{'type':'Recreate'},
              'template':{'metadata':{'labels':{'app':'web'},'annotations':{'kubectl.kubernetes.io/restartedAt':'2026-01-01T00:00:00Z'}},'spec':{'containers':[
                {'name':'web','image':'nginx:1.28','volumeMounts':[{'name':'b','mountPath':'/b'},{'mountPath':'/c','name':'c'}]}]}}}}
            """, result);
    }

    [Fact]
    public void Cordon_and_uncordon_patch_the_node_spec()
    {
        var node = Json.Obj("{'metadata':{'name':'n'},'spec':{'podCIDR':'10.0.0.0/24','podCIDRs':['10.0.0.0/24']}}");
        var cordoned = PatchApplier.Apply(node, Json.Bytes("{'spec':{'unschedulable':true}}"), "application/strategic-merge-patch+json", typeof(V1Node));
        Json.Equal("{'metadata':{'name':'n'},'spec':{'podCIDR':'10.0.0.0/24','podCIDRs':['10.0.0.0/24'],'unschedulable':true}}", cordoned);
        var uncordoned = PatchApplier.Apply(cordoned, Json.Bytes("{'spec':{'unschedulable':null}}"), "application/strategic-merge-patch+json", typeof(V1Node));
        Json.Equal(node.ToJsonString(), uncordoned);
    }

    [Fact]
    public void Conditions_merge_by_type_and_owner_references_by_uid()
    {
        var pod = Json.Obj("""
            {'metadata':{'ownerReferences':[{'uid':'u1','name':'rs'}]},
             'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'Initialized','status':'True'}]}}
            """);
        var patch = "{'metadata':{'ownerReferences':[{'uid':'u2','name':'other'}]},'status':{'conditions':[{'type':'Ready','status':'True'}]}}";
        var result = PatchApplier.Apply(pod, Json.Bytes(patch), "application/strategic-merge-patch+json", typeof(V1Pod));
        Json.Equal("""
            {'metadata':{'ownerReferences':[{'uid':'u1','name':'rs'},{'uid':'u2','name':'other'}]},
             'status':{'conditions':[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]}}
            """, result);
    }

    [Fact]
    public void Service_ports_merge_by_port()
    {
        var service = Json.Obj("{'spec':{'ports':[{'port':80,'targetPort':8080},{'port':443}]}}");
        var result = PatchApplier.Apply(service, Json.Bytes("{'spec':{'ports':[{'port':80,'targetPort':9090}]}}"), "application/strategic-merge-patch+json", typeof(V1Service));
        Json.Equal("{'spec':{'ports':[{'port':80,'targetPort':9090},{'port':443}]}}", result);
    }

    [Theory]
    [InlineData("{'spec':{'containers':[{'image':'x'}]}}", 400)]
    [InlineData("{'metadata':{'$patch':'explode'}}", 400)]
    [InlineData("{'metadata':{'finalizers':['x'],'$deleteFromPrimitiveList/finalizers':'a'}}", 400)]
    [InlineData("{'spec':{'volumes':[{'name':'data','hostPath':{'path':'/d'},'$retainKeys':['name']}]}}", 422)]
    [InlineData("[1]", 400)]
    public void Bad_patches_are_refused(string patch, int code)
    {
        var error = Assert.Throws<PatchException>(() =>
            PatchApplier.Apply(Json.Obj(Pod), Json.Bytes(patch), "application/strategic-merge-patch+json", typeof(V1Pod)));
        Assert.Equal(code, error.Code);
    }

    [Fact]
    public void The_table_knows_the_upstream_tags()
    {
        Assert.Equal("name", PatchStrategyTable.Lookup(typeof(V1PodSpec), "containers")?.MergeKey);
        Assert.True(PatchStrategyTable.Lookup(typeof(V1PodSpec), "volumes")?.RetainKeys);
        Assert.Equal("containerPort", PatchStrategyTable.Lookup(typeof(V1Container), "ports")?.MergeKey);
        Assert.Equal("mountPath", PatchStrategyTable.Lookup(typeof(V1Container), "volumeMounts")?.MergeKey);
        Assert.Equal("uid", PatchStrategyTable.Lookup(typeof(V1ObjectMeta), "ownerReferences")?.MergeKey);
        Assert.Null(PatchStrategyTable.Lookup(typeof(V1PodSpec), "tolerations"));
        Assert.Equal(FieldStrategy.PrimitiveSet, PatchStrategyTable.Lookup(typeof(V1ObjectMeta), "finalizers"));
    }
}
