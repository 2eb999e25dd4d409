using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// Starts loading a node's <see cref="NodeInfo"/> into the CPU's cache a few nodes before the filters or scores read
/// it. The search walks hundreds of nodes per cycle, each a separate object in a heap that the API server's work keeps
/// out of the caches; the first read of each was a cache miss the loop waited on (the cordon check, the first filter,
/// was the largest single entry of a server's profile while it scheduled). A prefetch is only a hint: it never
/// faults, and an address made stale by the garbage collector moving the object costs nothing but the hint.
/// </summary>
internal static class NodePrefetch
{
    /// <summary>How many nodes ahead of the one being filtered to prefetch.</summary>
    public const int Distance = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Node(NodeInfo[] nodes, int index)
    {
        if (Sse.IsSupported && (uint)index < (uint)nodes.Length)
        {
            var node = nodes[index];
            if (node is not null)
            {
                Sse.Prefetch0((void*)Unsafe.As<NodeInfo, nint>(ref node));
            }
        }
    }
}
