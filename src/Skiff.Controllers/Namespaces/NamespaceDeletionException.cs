namespace Skiff.Controllers.Namespaces;

/// <summary>Deleting a namespace's content failed in part (discovery or some resources); the pass is retried with
/// back-off, and the namespace's conditions say what failed.</summary>
public sealed class NamespaceDeletionException : Exception
{
    public NamespaceDeletionException()
    {
    }

    public NamespaceDeletionException(string message)
        : base(message)
    {
    }

    public NamespaceDeletionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
