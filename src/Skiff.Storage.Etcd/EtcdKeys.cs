using System.Text;
using Google.Protobuf;

namespace Skiff.Storage.Etcd;

/// <summary>Keys as etcd bytes, and the range end that selects a prefix.</summary>
internal static class EtcdKeys
{
    private static readonly ByteString Everything = ByteString.CopyFrom(0);

    public static ByteString Key(string key) => ByteString.CopyFromUtf8(key);

    /// <summary>The first key of a prefix range; the empty prefix starts at "\0" (etcd refuses an empty key).</summary>
    public static ByteString Start(string prefix) => prefix.Length == 0 ? Everything : Key(prefix);

    /// <summary>The range end of <paramref name="prefix"/>: the prefix with its last byte bumped; "\0" means "to the end".</summary>
    public static ByteString RangeEnd(string prefix)
    {
        var bytes = Encoding.UTF8.GetBytes(prefix);
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            if (bytes[i] < 0xFF)
            {
                bytes[i]++;
                return ByteString.CopyFrom(bytes, 0, i + 1);
            }
        }

        return Everything;
    }

    /// <summary>The smallest key strictly after <paramref name="key"/>.</summary>
    public static ByteString After(string key) => ByteString.CopyFromUtf8(key + "\0");
}
