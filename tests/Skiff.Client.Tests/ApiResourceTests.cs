using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests;

/// <summary>Where a model type's objects live on the API.</summary>
public sealed class ApiResourceTests
{
    [Fact]
    public void Namespaced_and_cluster_scoped_kinds_have_their_paths()
    {
        Assert.Equal("/api/v1/namespaces/team/pods", ApiResource.For<V1Pod>().CollectionPath("team"));
        Assert.Equal("/apis/apps/v1/namespaces/team/deployments/web/status", ApiResource.For<V1Deployment>().ObjectPath("team", "web", "status"));
        Assert.Equal("/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval",
            ApiResource.For<V1CertificateSigningRequest>().ObjectPath(null, "x", "approval"));
    }

    [Fact]
    public void The_review_kinds_whose_models_name_no_plural_get_the_served_one()
    {
        // The models' KubernetesEntity attribute has no plural for these create-only kinds: a client posted to
        // "/apis/authorization.k8s.io/v1/" and got 404 before.
        Assert.Equal("/apis/authorization.k8s.io/v1/subjectaccessreviews", ApiResource.For<V1SubjectAccessReview>().CollectionPath(null));
        Assert.Equal("/apis/authentication.k8s.io/v1/tokenreviews", ApiResource.For<V1TokenReview>().CollectionPath(null));
        Assert.Equal("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ApiResource.For<V1SelfSubjectAccessReview>().CollectionPath(null));
        Assert.Equal("/apis/authorization.k8s.io/v1/namespaces/team/localsubjectaccessreviews", ApiResource.For<V1LocalSubjectAccessReview>().CollectionPath("team"));
    }
}
