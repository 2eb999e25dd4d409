using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>The one place where storage failures become API Status errors.</summary>
public static class StorageErrors
{
    public static ApiException ToApi(StorageException error, ResourceDefinition def, string name) => error.Code switch
    {
        StorageErrorCode.NotFound => StatusErrors.NotFound(StatusErrors.QualifiedResource(def), name),
        StorageErrorCode.KeyExists => StatusErrors.AlreadyExists(StatusErrors.QualifiedResource(def), name),
        StorageErrorCode.Conflict => StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail),
        StorageErrorCode.Compacted => StatusErrors.Gone("The resourceVersion for the provided list is too old."),
        StorageErrorCode.InvalidArgument => StatusErrors.BadRequest(error.Message),
        StorageErrorCode.Timeout => StatusErrors.Timeout(error.Message),
        _ => StatusErrors.Unavailable(error.Message),
    };
}
