namespace Skiff.Storage.Etcd;

/// <summary>
/// etcd starts at revision 1 with no keys, and its first write is revision 2; Skiff's revisions start at 0 with the
/// first write at 1. So a Skiff revision is the etcd revision minus one, everywhere (keys, lists, watches, compaction).
/// </summary>
internal static class EtcdRevision
{
    public static long ToSkiff(long etcdRevision) => etcdRevision - 1;

    public static long ToEtcd(long skiffRevision) => skiffRevision + 1;
}
