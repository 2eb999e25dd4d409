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

    /// <summary>How many nodes ahead to prefetch the objects a NodeInfo points at (its resource sums): by then the
    /// NodeInfo itself, prefetched <see cref="Distance"/> nodes ahead, is in the cache and its references can be read.</summary>
    public const int PartsDistance = 4;

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

    /// <summary>Prefetches the resource sums of the node at <paramref name="index"/>, which the resource filter and
    /// scores read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Parts(NodeInfo[] nodes, int index)
    {
        if (Sse.IsSupported && (uint)index < (uint)nodes.Length && nodes[index] is { } node)
        {
            Object(node.Allocatable);
            Object(node.Requested);
            Object(node.NonZeroRequested);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Object(Resources resources) => Sse.Prefetch0((void*)Unsafe.As<Resources, nint>(ref resources));
}
