using Skiff.Testing.Containerd;

namespace Skiff.Containerd.Tests;

[CollectionDefinition(Name)]
public sealed class RuntimeCollection : ICollectionFixture<RuntimeFixture>
{
    public const string Name = "containerd";
}
