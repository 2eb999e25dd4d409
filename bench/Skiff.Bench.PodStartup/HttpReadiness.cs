namespace Skiff.Bench.PodStartup;

/// <summary>Polls a pod's HTTP port until it answers 200, the way the raw-CRI floor polls (every 5 ms).</summary>
internal static class HttpReadiness
{
    public static async Task WaitFor200Async(HttpClient http, Uri uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                try
                {
                    using var response = await http.GetAsync(uri, deadline.Token);
                    if (response.StatusCode == System.Net.HttpStatusCode.OK)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    // This one request timed out (a busy machine); ask again.
                }

                await Task.Delay(5, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{uri} did not answer 200 within {timeout.TotalSeconds:0} s.");
        }
    }
}
