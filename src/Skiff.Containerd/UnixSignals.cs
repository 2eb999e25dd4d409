using System.Runtime.InteropServices;

namespace Skiff.Containerd;

/// <summary>Sends signals to processes; .NET's Process.Kill only knows SIGKILL.</summary>
internal static partial class UnixSignals
{
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; false when the process no longer exists.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>True while a process with that id exists (signal 0 checks without sending anything).</summary>
    public static bool IsAlive(int pid) => pid > 0 && Kill(pid, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
