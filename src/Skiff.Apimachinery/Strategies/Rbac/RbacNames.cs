namespace Skiff.Apimachinery.Strategies.Rbac;

/// <summary>RBAC object names are path segments (upstream's ValidateRBACName): anything but ".", ".." or a name with "/" or "%".</summary>
public static class RbacNames
{
    public static IReadOnlyList<string> Validate(string name, bool prefix)
    {
        if (!prefix && name is "." or "..")
        {
            return [$"may not be '{name}'"];
        }

        foreach (var illegal in new[] { "/", "%" })
        {
            if (name.Contains(illegal, StringComparison.Ordinal))
            {
                return [$"may not contain '{illegal}'"];
            }
        }

        return [];
    }
}
