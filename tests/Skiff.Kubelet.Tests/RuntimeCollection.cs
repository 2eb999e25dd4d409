using Skiff.Testing.Containerd;

namespace Skiff.Kubelet.Tests;

/// <summary>One real containerd shared by the kubelet's integration and HTTPS-server tests.</summary>
[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<RuntimeFixture>
{
    public const string Name = "kubelet-containerd";
}
