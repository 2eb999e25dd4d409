using k8s;
using k8s.Models;
using Skiff.Client.Informers;

namespace Skiff.Controllers.ResourceQuota;

/// <summary>One kind whose objects quotas count: its group and plural (for <c>count/&lt;plural&gt;.&lt;group&gt;</c>) and the namespace's objects from its informer.</summary>
internal sealed record TrackedKind(string Group, string Plural, Func<string, IEnumerable<IKubernetesObject<V1ObjectMeta>>> ObjectsIn, Func<CancellationToken, Task> WaitForSyncAsync)
{
    public static TrackedKind For<T>(SharedInformer<T> informer, string group, string plural)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        new(group, plural, ns => informer.Cache.List(ns), informer.WaitForSyncAsync);
}
