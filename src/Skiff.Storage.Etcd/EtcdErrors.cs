using Grpc.Core;

namespace Skiff.Storage.Etcd;

/// <summary>Translates etcd's gRPC errors into <see cref="StorageException"/> once, here.</summary>
internal static class EtcdErrors
{
    public static StorageException Translate(RpcException e, string key)
    {
        var detail = e.Status.Detail ?? string.Empty;
        if (detail.Contains("required revision has been compacted", StringComparison.Ordinal))
        {
            return new StorageException(StorageErrorCode.Compacted, key, $"the revision was compacted ({detail})", null, e);
        }

        if (detail.Contains("required revision is a future revision", StringComparison.Ordinal))
        {
            return new StorageException(StorageErrorCode.InvalidArgument, key, $"the revision is newer than the current revision ({detail})", null, e);
        }

        return e.StatusCode switch
        {
            StatusCode.DeadlineExceeded => new StorageException(StorageErrorCode.Timeout, key, $"etcd did not answer in time: {detail}", null, e),
            StatusCode.InvalidArgument => new StorageException(StorageErrorCode.InvalidArgument, key, $"etcd refused the request: {detail}", null, e),
            _ => new StorageException(StorageErrorCode.Unavailable, key, $"etcd is unavailable: {e.StatusCode} {detail}", null, e),
        };
    }
}
