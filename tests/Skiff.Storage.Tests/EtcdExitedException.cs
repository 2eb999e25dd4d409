namespace Skiff.Storage.Tests;

/// <summary>etcd stopped before it answered /health (typically a port another process took first).</summary>
public sealed class EtcdExitedException(string message) : InvalidOperationException(message);
