using k8s.Models;

namespace Skiff.Apimachinery.Validation;

/// <summary>Validates an object's name against its kind's rule; <c>prefix</c> is true for generateName.</summary>
public delegate IReadOnlyList<string> NameValidator(string name, bool prefix);

/// <summary>
/// Kubernetes' <c>ValidateObjectMeta</c> / <c>ValidateObjectMetaUpdate</c>: name (or generateName), namespace,
/// labels, annotations, finalizers and the fields an update may not change.
/// </summary>
public static class ObjectMetaValidator
{
    /// <summary>The most annotations may hold, all keys and values together (TotalAnnotationSizeLimitB).</summary>
    public const int TotalAnnotationSizeLimit = 256 * 1024;

    public static IReadOnlyList<FieldError> ValidateCreate(V1ObjectMeta? meta, bool namespaced, NameValidator validateName)
    {
        var errors = new List<FieldError>();
        meta ??= new V1ObjectMeta();
        if (!string.IsNullOrEmpty(meta.GenerateName))
        {
            errors.AddRange(FieldErrors.InvalidEach("metadata.generateName", meta.GenerateName, validateName(meta.GenerateName, true)));
        }

        if (string.IsNullOrEmpty(meta.Name))
        {
            errors.Add(FieldErrors.Required("metadata.name", "name or generateName is required"));
        }
        else
        {
            errors.AddRange(FieldErrors.InvalidEach("metadata.name", meta.Name, validateName(meta.Name, false)));
        }

        if (namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty))
            {
                errors.Add(FieldErrors.Required("metadata.namespace"));
            }
            else
            {
                errors.AddRange(FieldErrors.InvalidEach("metadata.namespace", meta.NamespaceProperty, NameRules.Dns1123Label(meta.NamespaceProperty)));
            }
        }
        else if (!string.IsNullOrEmpty(meta.NamespaceProperty))
        {
            errors.Add(FieldErrors.Forbidden("metadata.namespace", "not allowed on this type"));
        }

        if (meta.Generation is < 0)
        {
            errors.Add(FieldErrors.Invalid("metadata.generation", meta.Generation, "must be greater than or equal to 0"));
        }

        errors.AddRange(ValidateLabels(meta.Labels, "metadata.labels"));
        errors.AddRange(ValidateAnnotations(meta.Annotations, "metadata.annotations"));
        errors.AddRange(ValidateFinalizers(meta.Finalizers, "metadata.finalizers"));
        errors.AddRange(ValidateOwnerReferences(meta.OwnerReferences, "metadata.ownerReferences"));
        return errors;
    }

    /// <summary>ValidateObjectMetaUpdate: the new metadata must be valid and keep name, namespace, uid and
    /// creationTimestamp.</summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(V1ObjectMeta? meta, V1ObjectMeta? old, bool namespaced, NameValidator validateName)
    {
        meta ??= new V1ObjectMeta();
        old ??= new V1ObjectMeta();
        var errors = new List<FieldError>(ValidateCreate(meta, namespaced, validateName));
        if (meta.Name != old.Name)
        {
            errors.Add(FieldErrors.Immutable("metadata.name", meta.Name));
        }

        if (meta.NamespaceProperty != old.NamespaceProperty)
        {
            errors.Add(FieldErrors.Immutable("metadata.namespace", meta.NamespaceProperty));
        }

        if (meta.Uid != old.Uid)
        {
            errors.Add(FieldErrors.Immutable("metadata.uid", meta.Uid));
        }

        if (meta.CreationTimestamp != old.CreationTimestamp)
        {
            errors.Add(FieldErrors.Immutable("metadata.creationTimestamp", Timestamps.Format(meta.CreationTimestamp)));
        }

        return errors;
    }

    /// <summary>ValidateLabels: keys are qualified names (errors on the map's path), values label values (errors on
    /// <c>labels[key]</c>).</summary>
    public static IEnumerable<FieldError> ValidateLabels(IDictionary<string, string>? labels, string path)
    {
        if (labels is null)
        {
            yield break;
        }

        foreach (var (key, value) in labels.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            foreach (var message in NameRules.QualifiedName(key))
            {
                yield return FieldErrors.Invalid(path, key, message);
            }

            foreach (var message in NameRules.LabelValue(value ?? string.Empty))
            {
                yield return FieldErrors.Invalid($"{path}[{key}]", value, message);
            }
        }
    }

    /// <summary>ValidateAnnotations: keys are qualified names (lower-cased first), total size at most 256 KiB.</summary>
    public static IEnumerable<FieldError> ValidateAnnotations(IDictionary<string, string>? annotations, string path)
    {
        if (annotations is null)
        {
            yield break;
        }

        long size = 0;
        foreach (var (key, value) in annotations.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            foreach (var message in NameRules.QualifiedName(key.ToLowerInvariant()))
            {
                yield return FieldErrors.Invalid(path, key, message);
            }

            size += key.Length + (value?.Length ?? 0);
        }

        if (size > TotalAnnotationSizeLimit)
        {
            yield return FieldErrors.TooLong(path, TotalAnnotationSizeLimit);
        }
    }

    /// <summary>ValidateFinalizers: qualified names, no duplicates.</summary>
    public static IEnumerable<FieldError> ValidateFinalizers(IList<string>? finalizers, string path)
    {
        if (finalizers is null)
        {
            yield break;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < finalizers.Count; i++)
        {
            var finalizer = finalizers[i] ?? string.Empty;
            foreach (var message in NameRules.QualifiedName(finalizer))
            {
                yield return FieldErrors.Invalid($"{path}[{i}]", finalizer, message);
            }

            if (!seen.Add(finalizer))
            {
                yield return FieldErrors.Duplicate($"{path}[{i}]", finalizer);
            }
        }
    }

    /// <summary>ValidateOwnerReferences: apiVersion, kind, name and uid are required; at most one controller.</summary>
    public static IEnumerable<FieldError> ValidateOwnerReferences(IList<V1OwnerReference>? owners, string path)
    {
        if (owners is null)
        {
            yield break;
        }

        var controllers = 0;
        foreach (var owner in owners)
        {
            if (string.IsNullOrEmpty(owner.ApiVersion))
            {
                yield return FieldErrors.Invalid($"{path}.apiVersion", owner.ApiVersion ?? string.Empty, "version must not be empty");
            }

            if (string.IsNullOrEmpty(owner.Kind))
            {
                yield return FieldErrors.Invalid($"{path}.kind", owner.Kind ?? string.Empty, "kind must not be empty");
            }

            if (string.IsNullOrEmpty(owner.Name))
            {
                yield return FieldErrors.Invalid($"{path}.name", owner.Name ?? string.Empty, "name must not be empty");
            }

            if (string.IsNullOrEmpty(owner.Uid))
            {
                yield return FieldErrors.Invalid($"{path}.uid", owner.Uid ?? string.Empty, "uid must not be empty");
            }

            if (owner.Controller == true)
            {
                controllers++;
            }
        }

        if (controllers > 1)
        {
            yield return FieldErrors.Invalid(path, "", "Only one reference can have Controller set to true.");
        }
    }
}
