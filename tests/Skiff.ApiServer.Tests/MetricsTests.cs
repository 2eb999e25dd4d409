using System.Net;
using System.Text.RegularExpressions;
using Skiff.ApiServer.Observability;

namespace Skiff.ApiServer.Tests;

/// <summary><c>/metrics</c> on a real server: request counts and latency, watchers, storage latency, by kube-apiserver's names.</summary>
[Collection(ServerCollection.Name)]
public sealed class MetricsTests(ServerFixture fx)
{
    private async Task<string> ScrapeAsync()
    {
        using var response = await fx.Http.GetAsync(fx.Url("/metrics"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Value(string exposition, string series)
    {
        var match = Regex.Match(exposition, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no series {series} in:\n{exposition}");
        return double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Requests_are_counted_by_verb_resource_and_code_and_timed()
    {
        var ns = await fx.NewNamespaceAsync();
        var before = await ScrapeAsync();
        var listSeries = "apiserver_request_total{verb=\"LIST\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\",code=\"200\"}";
        var listsBefore = before.Contains(listSeries, StringComparison.Ordinal) ? Value(before, listSeries) : 0;

        await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps");
        await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/configmaps", "{\"metadata\":{\"name\":\"m\"}}");
        await fx.SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/configmaps/absent");

        var after = await ScrapeAsync();
        Assert.Equal(listsBefore + 2, Value(after, listSeries));
        Assert.True(Value(after, "apiserver_request_total{verb=\"CREATE\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\",code=\"201\"}") >= 1);
        Assert.True(Value(after, "apiserver_request_total{verb=\"GET\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\",code=\"404\"}") >= 1);
        Assert.True(Value(after, "apiserver_request_duration_seconds_count{verb=\"LIST\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\"}") >= 2);
        Assert.Contains("apiserver_request_duration_seconds_bucket{verb=\"LIST\",group=\"\",version=\"v1\",resource=\"configmaps\",subresource=\"\",le=\"+Inf\"}", after, StringComparison.Ordinal);
        Assert.Contains("# TYPE apiserver_request_duration_seconds histogram", after, StringComparison.Ordinal);

        // The storage calls behind them: a create of a configmap, timed by operation and type.
        Assert.True(Value(after, "etcd_request_duration_seconds_count{operation=\"create\",type=\"configmaps\"}") >= 1);
        Assert.Contains("# TYPE etcd_request_duration_seconds histogram", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_open_watch_is_a_registered_watcher()
    {
        var ns = await fx.NewNamespaceAsync();
        using var watch = new HttpRequestMessage(HttpMethod.Get, fx.Url($"/api/v1/namespaces/{ns}/secrets?watch=1"));
        using var response = await fx.Http.SendAsync(watch, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var scraped = await ScrapeAsync();
        Assert.True(Value(scraped, "apiserver_registered_watchers{group=\"\",resource=\"secrets\"}") >= 1);
        Assert.True(Value(scraped, "apiserver_watch_requests_total{group=\"\",resource=\"secrets\"}") >= 1);
    }

    [Fact]
    public async Task Metrics_are_forbidden_to_anonymous_users()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var anonymous = new HttpClient(handler);
        using var response = await anonymous.GetAsync(fx.Url("/metrics"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Two_servers_in_one_process_keep_their_own_numbers()
    {
        var one = new ApiServerMetrics();
        var two = new ApiServerMetrics();
        one.ObserveRequest(new RequestLabels("LIST", "", "v1", "pods", ""), 200, TimeSpan.FromMilliseconds(3));
        using var first = new MemoryStream();
        using var second = new MemoryStream();
        await one.WriteAsync(first, CancellationToken.None);
        await two.WriteAsync(second, CancellationToken.None);
        Assert.Contains("resource=\"pods\"", System.Text.Encoding.UTF8.GetString(first.ToArray()), StringComparison.Ordinal);
        Assert.DoesNotContain("resource=\"pods\"", System.Text.Encoding.UTF8.GetString(second.ToArray()), StringComparison.Ordinal);
    }
}
