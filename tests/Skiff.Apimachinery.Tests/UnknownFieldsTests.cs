using System.Text;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Tests;

public sealed class UnknownFieldsTests
{
    private static IReadOnlyList<string> Find(Type type, string json) => UnknownFields.Find(type, Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_valid_pod_has_no_problems()
    {
        Assert.Empty(Find(typeof(V1Pod), """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"any-key":"v"},"annotations":{"x/y":"z"}},
             "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}],
               "resources":{"limits":{"cpu":"100m","memory":"64Mi"}},"env":[{"name":"A","value":"1"}]}],
               "volumes":[{"name":"v","emptyDir":{}}]},
             "status":{}}
            """));
    }

    [Fact]
    public void Unknown_fields_are_named_by_their_path_with_list_indexes()
    {
        Assert.Equal(
            ["unknown field \"spec.containers[1].imagePullPolicyy\"", "unknown field \"spec.foo\"", "unknown field \"top\""],
            Find(typeof(V1Pod), """
                {"metadata":{"name":"a"},
                 "spec":{"containers":[{"name":"a","image":"x"},{"name":"b","image":"x","imagePullPolicyy":"Always"}],"foo":1},
                 "top":true}
                """));
    }

    [Fact]
    public void Duplicate_fields_are_reported()
    {
        Assert.Equal(["duplicate field \"metadata.name\""], Find(typeof(V1ConfigMap), """{"metadata":{"name":"a","name":"b"}}"""));
    }

    [Fact]
    public void Map_values_and_free_form_objects_are_not_fields()
    {
        // data keys are user keys, not fields; a deployment's template is walked as a pod template.
        Assert.Empty(Find(typeof(V1ConfigMap), """{"data":{"anything":"v","spec":"w"}}"""));
        Assert.Equal(["unknown field \"spec.template.spec.containers[0].nme\""], Find(typeof(V1Deployment), """
            {"spec":{"selector":{"matchLabels":{"app":"x"}},"template":{"metadata":{"labels":{"app":"x"}},
             "spec":{"containers":[{"nme":"c","image":"x"}]}}}}
            """));
    }
}
