using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests;

public sealed class ApiResourceTests
{
    [Fact]
    public void Review_kinds_whose_models_carry_no_plural_get_the_servers_paths()
    {
        Assert.Equal("/apis/authentication.k8s.io/v1/tokenreviews", ApiResource.For<V1TokenReview>().CollectionPath(null));
        Assert.Equal("/apis/authorization.k8s.io/v1/subjectaccessreviews", ApiResource.For<V1SubjectAccessReview>().CollectionPath(null));
        Assert.Equal("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ApiResource.For<V1SelfSubjectAccessReview>().CollectionPath(null));
        Assert.Equal("/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews", ApiResource.For<V1LocalSubjectAccessReview>().CollectionPath("team"));
        Assert.Equal("/apis/apps/v1/namespaces/team/deployments", ApiResource.For<V1Deployment>().CollectionPath("team"));
    }
}
