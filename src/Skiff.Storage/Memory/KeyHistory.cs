namespace Skiff.Storage.Memory;

/// <summary>The versions of one key still kept, oldest first.</summary>
internal sealed class KeyHistory
{
    private readonly List<KeyVersion> _versions = [];

    public KeyVersion Latest => _versions[^1];

    public bool IsEmpty => _versions.Count == 0;

    public void Add(KeyVersion version) => _versions.Add(version);

    /// <summary>The live value at <paramref name="revision"/>, or null when the key did not exist then.</summary>
    public KeyVersion? At(long revision)
    {
        for (var i = _versions.Count - 1; i >= 0; i--)
        {
            if (_versions[i].Revision <= revision)
            {
                return _versions[i].Deleted ? null : _versions[i];
            }
        }

        return null;
    }

    /// <summary>
    /// Drops what a compaction at <paramref name="revision"/> forgets: versions overwritten at or before it, and the
    /// deletion itself when the key was deleted at or before it.
    /// </summary>
    public void Compact(long revision)
    {
        var keep = _versions.FindLastIndex(v => v.Revision <= revision);
        if (keep < 0)
        {
            return;
        }

        var removeCount = _versions[keep].Deleted ? keep + 1 : keep;
        _versions.RemoveRange(0, removeCount);
    }
}
