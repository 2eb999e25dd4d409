namespace Skiff.Bench.Api;

internal static class LoadBenchmark
{
    public static Task<int> RunAsync() => Task.FromResult(0);
}
