namespace Skiff.EndToEnd.Tests;

/// <summary>One real cluster shared by every end-to-end test class (starting one takes seconds to minutes).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<SkiffCluster>
{
    public const string Name = "skiff cluster";
}
