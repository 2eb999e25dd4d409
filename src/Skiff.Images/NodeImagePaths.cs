namespace Skiff.Images;

/// <summary>Where a node's image-related files are under a server's or agent's data directory.</summary>
public static class NodeImagePaths
{
    /// <summary>The embedded containerd's socket (its state directory is <c>&lt;data-dir&gt;/agent/containerd</c>).</summary>
    public static string ContainerdSocket(string dataDirectory) => Path.Combine(dataDirectory, "agent", "containerd", "containerd.sock");

    /// <summary>k3s's air-gap folder: archives here are imported when the node starts.</summary>
    public static string AirGapFolder(string agentDirectory) => Path.Combine(agentDirectory, "images");
}
