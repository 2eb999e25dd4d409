using System.Globalization;
using k8s.Models;

namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>The "CREATED AT" cell of the RBAC role printers (RFC 3339, UTC).</summary>
internal static class CreatedAt
{
    public static string Format(V1ObjectMeta? meta) =>
        meta?.CreationTimestamp is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : string.Empty;
}
